import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

/**
 * Folders whose files run in one shared module graph per worker (`isolate: false`): a worker
 * imports the engine, the sandboxes and their packages once and runs file after file in it,
 * instead of a fork and a fresh import for every file. Only files that leave no process-wide
 * state behind belong here: no process.env writes, no vi.mock or vi.spyOn of modules, no
 * process.on listeners or process.chdir; fake timers and patched globals (rate-limiter,
 * dispatcher, json-body) are restored in afterEach/finally. Servers listen on port 0, stores
 * live in temp folders, PostgreSQL schemas and Redis prefixes are each file's own; a test helper
 * that keeps state in a module (test/e2e/helpers/cut-off.ts) clears it once used. Isolated,
 * test/sync took 56 s of CPU, shared 13 s; the whole test step of CI 690 s of CPU with only
 * test/sync shared, 433–468 s with these folders (docs/ci.md, "Where the time goes").
 */
const SHARED_FOLDERS = [
  'test/sync',
  'test/mapping',
  'test/store',
  'test/poweroffice-go',
  'test/woocommerce',
  'test/http',
  'test/connectors',
  'test/alerts',
  'test/e2e',
  'test/tenants',
  'test/conformance',
];
/**
 * Files of isolated folders that run in process all the same, and so share: the service's
 * scheduler, webhook queue and endpoints against a scripted engine (test/service/fakes.ts),
 * with fastify's `inject` instead of a port, no child process, no signal handler and no env;
 * their fake clocks go back to real timers in afterEach. They are on the repeat list of CI
 * (test/repeat.ts), where a fork and a fresh import of the service each time cost more than
 * their tests.
 */
const SHARED_FILES = [
  'test/service/scheduler.test.ts',
  'test/service/webhooks.test.ts',
  'test/service/endpoints.test.ts',
];
/**
 * In those folders, but isolated all the same: the evaluator pool's worker threads and their
 * 2 s CPU limit are its subject (a shared worker's pool and heap are no part of it), and the
 * crash trials SIGKILL child processes for minutes (a fork of their own gains nothing).
 */
const ISOLATED_IN_SHARED = new Set(['test/mapping/evaluator-pool.test.ts', 'test/e2e/crash.test.ts']);

/** The shared files, by name: the isolated project runs every other file (also those above). */
const SHARED = SHARED_FOLDERS.flatMap((folder) =>
  readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `${folder}/${name.replaceAll(sep, '/')}`),
)
  .filter((file) => !ISOLATED_IN_SHARED.has(file))
  .concat(SHARED_FILES);

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
          // test. Named by each project (a global setup of the root config runs once per project
          // as well); the build itself runs once per vitest run (test/global-setup.ts).
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
      {
        extends: true,
        test: {
          name: 'shared',
          globalSetup: ['test/global-setup.ts'],
          include: SHARED,
          isolate: false,
        },
      },
    ],
  },
});
