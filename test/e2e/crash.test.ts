/**
 * E2E 5 (short variant) — crash safety: `mapsync sync` killed with SIGKILL at seeded random
 * moments during a backfill, restarted, and finally run to the end: no duplicates, all
 * linked. The long loop (≥ 20 trials) is `npm run test:crash`.
 */
import { describe, expect, it } from 'vitest';
import { crashLoop } from './helpers/crash.ts';

describe('e2e 5: crash safety (short)', () => {
  it('5 seeded trials of SIGKILL during a backfill: zero duplicates, everything linked', async () => {
    const results = await crashLoop(5, Number(process.env.MAPSYNC_CRASH_SEED ?? 7), (line) =>
      console.info(line),
    );
    expect(results.flatMap((r) => r.problems.map((p) => `trial ${r.trial}: ${p}`))).toEqual([]);
    // The kills really interrupted runs (not all of them finished before the kill).
    expect(results.flatMap((r) => r.kills).filter((k) => !k.finishedFirst).length).toBeGreaterThan(3);
  }, 900_000); // a hang guard: under load each trial's runs take several times as long
});
