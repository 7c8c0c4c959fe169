/**
 * Chaos 2 — 20 % injected faults of every kind the sandboxes offer, on both systems: 429s,
 * 500/502/503s, connection resets, timeouts (writes applied, no answer), malformed JSON
 * (writes applied, body cut in half), and PowerOffice tokens expiring after 5 s instead of
 * 20 minutes. A backfill is run with `mapsync sync` until a run is clean (after two plain
 * runs, `mapsync retry`-style runs retry failed records whose backoff is not over yet), then
 * compared with a clean run of the same shop. Several trials, each with its own fault seed.
 */
import type { FaultConfig } from '../../sandbox/common/faults.ts';
import type { BenchContext } from '../lib/context.ts';
import { fillShop } from '../lib/dataset.ts';
import { startEnv } from '../lib/env.ts';
import { converge } from '../throughput.ts';
import { cleanRun, type ShopSize } from './clean.ts';
import {
  type ChaosResult,
  differences,
  duplicatesIn,
  injected,
  missingIn,
  normalised,
  stateOf,
  total,
} from './lib.ts';

export const TWENTY_PERCENT: FaultConfig = {
  rate429: 0.04,
  rate500: 0.03,
  rate502: 0.02,
  rate503: 0.02,
  resetRate: 0.03,
  timeoutRate: 0.03,
  malformedRate: 0.03,
};

export async function faults(ctx: BenchContext): Promise<ChaosResult> {
  const trials = ctx.quick ? 1 : 3;
  const size: ShopSize = ctx.quick
    ? { customers: 30, products: 10, orders: 30, seed: 22 }
    : { customers: 150, products: 40, orders: 150, seed: 22 };
  const clean = await cleanRun(size);
  const result: ChaosResult = {
    run: '20 % faults of every kind',
    trials,
    faults: 0,
    faultKinds: {},
    duplicates: [],
    missing: [],
    pending: [],
    equalToClean: true,
    differences: [],
  };
  const runs: number[] = [];
  for (let trial = 1; trial <= trials; trial++) {
    const env = await startEnv({
      fill: (woo) => fillShop(woo, size),
      poRateLimit: false,
      connectorRateLimit: 200,
      poFaults: { ...TWENTY_PERCENT, tokenLifetimeSeconds: 5, seed: 100 + trial },
      wooFaults: { ...TWENTY_PERCENT, seed: 200 + trial },
      // Unanswered requests are given up after 2 s (default 30 s) to keep the run short.
      poConfig: ['timeout_ms: 2000'],
      wooConfig: ['timeout_ms: 2000'],
    });
    try {
      const backfill = await converge(env, 8);
      runs.push(backfill.runs);
      // Faults off for reading the final state (the admin endpoints have none anyway).
      env.po.faults.configure({});
      env.woo.faults.configure({});
      const kinds = injected(env);
      for (const [k, n] of Object.entries(kinds)) result.faultKinds[k] = (result.faultKinds[k] ?? 0) + n;
      const tokens = env.po.log.list().filter((r) => /oauth\/token$/i.test(r.path)).length;
      result.faultKinds['token expiry (token calls)'] =
        (result.faultKinds['token expiry (token calls)'] ?? 0) + tokens;
      result.faults += total(kinds);
      const state = await stateOf(env);
      const opened = await env.open();
      try {
        const dup = duplicatesIn(state);
        const { missing, pending } = await missingIn(state, opened.store);
        const diffs = differences(await normalised(state, opened.store), clean.normal);
        result.duplicates.push(...dup.map((d) => `trial ${trial}: ${d}`));
        result.missing.push(...missing.map((d) => `trial ${trial}: ${d}`));
        result.pending.push(...pending.map((d) => `trial ${trial}: ${d}`));
        result.differences.push(...diffs.map((d) => `trial ${trial}: ${d}`));
        if (diffs.length > 0) result.equalToClean = false;
        const last = backfill.summaries.at(-1)!;
        ctx.log(
          `  trial ${trial}: ${backfill.runs} runs (${(backfill.ms / 1000).toFixed(1)} s) until ${last.ok ? 'clean' : 'still failing'}; ` +
            `faults ${JSON.stringify(kinds)}, ${tokens} token calls; duplicates ${dup.length}, missing ${missing.length}, pending ${pending.length}, differences ${diffs.length}`,
        );
      } finally {
        await opened.close();
      }
    } finally {
      await env.close();
    }
  }
  result.extra = `runs until converged per trial: ${runs.join(', ')}`;
  const unlinkedLines = result.missing.filter((m) => /lines linked \(.*origin: recovered\)/.test(m));
  if (unlinkedLines.length > 0) {
    ctx.findings.push({
      benchmark: 'chaos 2. 20 % faults',
      title: `${unlinkedLines.length} sales orders recovered through their identity guard keep their lines unlinked`,
      lines: [
        `What: after the create of a sales order (with its lines, one SalesOrders/Complete) ended with an unknown outcome (timeout, reset, malformed answer) and the order was later found by its identity guard (link origin "recovered"), PowerOffice holds all its lines but the store has no salesorderline link for them, also after the runs converged: ${unlinkedLines.slice(0, 6).join('; ')}.`,
        'Effect: the final state differs from a clean run (where every line is linked); a later change to such an order has to adopt its lines by guard first, and nothing reports the gap meanwhile (nothing is pending or failed).',
        'Reproduce: `npm run chaos -- --only faults` (bench/chaos/faults.ts; 20 % faults, timeouts 2 s).',
        'Suspected location: engine/sync/create.ts says "A record found by its guard comes without its children: the child pass adopts them", but when the recovery happens outside the source pass — engine/sync/phases.ts `resolveIntents` (phase 0) or `retryDue` → MappingRun.retry → processSource of the parent mapping only — the fan-out child mapping (salesorderline) never processes that order, and later runs do not list it again (orders are listed by cursor). engine/sync/engine.ts `syncRecord` does run the children; `retry` in engine/sync/mapping-run.ts does not.',
      ],
    });
  }
  return result;
}
