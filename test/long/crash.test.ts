/**
 * E2E 5 (long) — the crash loop of the issue: at least 20 seeded trials of SIGKILL during a
 * backfill (`npm run test:crash`; CI runs it too). MAPSYNC_CRASH_TRIALS and
 * MAPSYNC_CRASH_SEED change the number of trials and the seed; a failing trial is
 * reproduced with the same seed.
 */
import { describe, expect, it } from 'vitest';
import { crashLoop } from '../e2e/helpers/crash.ts';

const trials = Math.max(20, Number(process.env.MAPSYNC_CRASH_TRIALS ?? 20));
const seed = Number(process.env.MAPSYNC_CRASH_SEED ?? 20251127);

describe('e2e 5: crash safety (long loop)', () => {
  it(
    `${trials} seeded trials (seed ${seed}): zero duplicates, everything linked, no intent left`,
    async () => {
      const results = await crashLoop(trials, seed, (line) => console.info(line));
      expect(results.flatMap((r) => r.problems.map((p) => `trial ${r.trial}: ${p}`))).toEqual([]);
      const interrupted = results.flatMap((r) => r.kills).filter((k) => !k.finishedFirst).length;
      console.info(
        `${interrupted} runs killed mid-way, ${results.reduce((n, r) => n + r.stats.recovered, 0)} creates recovered by guard`,
      );
      expect(interrupted).toBeGreaterThanOrEqual(Math.ceil(trials * 0.75));
    },
    30 * 60_000,
  );
});
