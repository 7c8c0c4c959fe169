import { defineConfig } from 'vitest/config';

// `npm run test:crash`: the long crash loop (SIGKILL during backfills), kept out of the
// default run for time; CI runs it as its own step.
export default defineConfig({
  test: {
    include: ['test/long/crash.test.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests that spawn bin/mapsync.js run dist/: built from this tree before the first test.
    globalSetup: ['test/global-setup.ts'],
  },
});
