/**
 * Chaos 1 — SIGKILL at seeded random moments of a backfill, each followed by a restart.
 *
 * A real `node bin/mapsync.js sync` process runs against sandboxes hosted here (PowerOffice
 * at its real 10 requests per second, so the backfill lasts long enough to be cut 50 times), with a
 * SQLite store in a temp dir. Each attempt is killed with SIGKILL a random 0–1,500 ms after
 * its first request to either system (process start-up time varies too much to count from;
 * PowerOffice answers in 20–120 ms, so many kills land while a create is at the server),
 * and the next one starts on the same store. After the last kill one more run goes to the
 * end. Then: duplicates, missing records, intents or failures left, and the final state
 * against a clean run of the same shop.
 */
import { Random } from '../../sandbox/common/random.ts';
import { spawnSync } from '../lib/child.ts';
import type { BenchContext } from '../lib/context.ts';
import { fillShop } from '../lib/dataset.ts';
import { startEnv } from '../lib/env.ts';
import { cleanRun, type ShopSize } from './clean.ts';
import {
  type ChaosResult,
  differences,
  duplicatesIn,
  linksOf,
  missingIn,
  normalised,
  stateOf,
} from './lib.ts';

const RPS = 10;

export async function sigkill(ctx: BenchContext): Promise<ChaosResult> {
  const kills = ctx.quick ? 5 : 50;
  const size: ShopSize = ctx.quick
    ? { customers: 30, products: 10, orders: 30, seed: 21 }
    : { customers: 200, products: 60, orders: 200, seed: 21 };
  const random = new Random(4242);
  const env = await startEnv({
    fill: (woo) => fillShop(woo, size),
    poRateLimit: RPS,
    connectorRateLimit: RPS,
    // Each PowerOffice request takes 20–120 ms, as over the internet: a kill often lands
    // while a create is at the server, before its link is stored (the case intents are for).
    poFaults: { latencyMs: [20, 120], seed: 7 },
  });
  try {
    let landed = 0;
    let finishedFirst = 0;
    const problems: string[] = [];
    for (let k = 0; k < kills; k++) {
      const afterMs = random.int(0, 1500);
      const before = env.woo.log.mark() + env.po.log.mark();
      const { child, done } = spawnSync(env.env, env.dir);
      let exited = false;
      void done.then(() => {
        exited = true;
      });
      while (!exited && env.woo.log.mark() + env.po.log.mark() === before) {
        await new Promise((r) => setTimeout(r, 5));
      }
      if (!exited) {
        await Promise.race([new Promise((r) => setTimeout(r, afterMs)), done]);
      }
      if (!exited) {
        child.kill('SIGKILL');
        landed++;
      } else {
        finishedFirst++;
      }
      const result = await done;
      if (result.signal !== 'SIGKILL' && result.code !== 0) {
        problems.push(`attempt ${k + 1} exited ${result.code}: ${result.stderr.slice(-500)}`);
      }
    }
    const final = spawnSync(env.env, env.dir);
    const end = await final.done;
    if (end.code !== 0) problems.push(`final run exited ${end.code}: ${end.stderr.slice(-1000)}`);
    const state = await stateOf(env);
    const opened = await env.open();
    try {
      const duplicates = duplicatesIn(state);
      const { missing, pending } = await missingIn(state, opened.store);
      const normal = await normalised(state, opened.store);
      const clean = await cleanRun(size);
      const diffs = differences(normal, clean.normal);
      let recovered = 0;
      for (const m of ['customer-person', 'product', 'salesorder']) {
        recovered += (await linksOf(opened.store, m)).filter((l) => l.origin === 'recovered').length;
      }
      ctx.log(
        `  ${kills} attempts: ${landed} killed mid-run, ${finishedFirst} finished before their kill; final run exit ${end.code}; ` +
          `${recovered} links recovered from intents; PowerOffice requests ${env.po.log.mark()}`,
      );
      for (const p of problems) ctx.log(`  problem: ${p}`);
      return {
        run: 'SIGKILL during a backfill',
        trials: kills,
        faults: landed,
        faultKinds: { SIGKILL: landed },
        duplicates,
        missing: [...missing, ...problems],
        pending,
        equalToClean: diffs.length === 0,
        differences: diffs,
        extra: `${landed} kills landed mid-run, ${recovered} creates recovered through their intent`,
      };
    } finally {
      await opened.close();
    }
  } finally {
    await env.close();
  }
}
