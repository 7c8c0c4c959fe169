import { defineConfig } from 'vitest/config';

// The browser test (`npm run test:browser`): a real `mapsync serve --sandbox` and Debian's
// headless Chromium driven by playwright-core. Not part of `npm test`, which must pass on a
// machine without a browser; .ci/run installs Chromium and runs this after `npm test`.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    // It spawns bin/mapsync.js, which runs dist/: built from this tree before the test.
    globalSetup: ['test/global-setup.ts'],
  },
});
