import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Files that run in one shared module graph per worker (`isolate: false`): the sync engine's
 * in-process tests, which touch no process-wide state (no env, timers, listeners or mocks;
 * each builds its own store and fakes). Isolated, each of the 28 files paid the import of the
 * engine again: 56 s of CPU for test/sync, 19 s shared (docs/ci.md, "Where the time goes").
 */
const SHARED = ['test/sync/**/*.test.ts'];

// The default run (`npm test`) stays fast: long crash loops, chaos runs and the
// browser test live in their own configs / npm scripts.
export default defineConfig({
  test: {
    // Hang guards, not performance checks: on a busy machine (npm run test:repeat runs the suite
    // with a busy process on every core) an end-to-end test takes several times as long.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // At least two files at a time: vitest's default is one worker fewer than the cores, so a
    // 2-core machine ran one file at a time while most files wait on sandboxes, child
    // processes and timers (docs/ci.md, "Where the time goes").
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: {
          name: 'isolated',
          // Tests that spawn bin/mapsync.js run dist/: built from this tree before the first
          // test. Here only: a global setup of the root config runs once per project as well.
          globalSetup: ['test/global-setup.ts'],
          include: ['test/**/*.test.ts', 'engine/**/*.test.ts', 'sandbox/**/*.test.ts'],
          exclude: [
            ...SHARED,
            'test/long/**',
            'test/browser/**',
            'node_modules/**',
            // CI (.ci/run) sets MAPSYNC_CRASH_STEP=1 for its test step and runs these 5 crash trials
            // in its crash step instead, beside the chaos runs, where they wait on sandboxes while
            // the chaos runs use the other core (docs/ci.md, "Where the time goes").
            ...(process.env.MAPSYNC_CRASH_STEP === '1' ? ['test/e2e/crash.test.ts'] : []),
          ],
        },
      },
      { extends: true, test: { name: 'shared', include: SHARED, isolate: false } },
    ],
  },
});
