/**
 * Chaos 3 — the link store becomes unavailable in the middle of a backfill.
 *
 * The engine is built as `mapsync sync` builds it, but its SQLite store is wrapped
 * (lib/counting-store.ts) so that, after a seeded random number of operations, every store
 * call throws a `StoreError` (as keyv does when the database is gone). Checked:
 * - the run says so (the summary's `storeError`) and stops writing at once: no write to
 *   either system *starts* after the failure (a write already in flight may finish);
 * - no create was sent without its intent stored first: every PowerOffice create (and every
 *   WooCommerce product create) in the request logs has a stored intent for that record
 *   that completed before the request started;
 * - with the store back, the next runs converge to the state of a clean run, without
 *   duplicates and without anything pending.
 */

import { SyncEngine } from '../../engine/sync/engine.ts';
import { mappingEval } from '../../engine/sync/mapping-eval.ts';
import { Random } from '../../sandbox/common/random.ts';
import type { LoggedRequest } from '../../sandbox/common/request-log.ts';
import type { BenchContext } from '../lib/context.ts';
import { CountingStore } from '../lib/counting-store.ts';
import { fillShop } from '../lib/dataset.ts';
import { startEnv } from '../lib/env.ts';
import { kindOf } from '../lib/requests.ts';
import { converge } from '../throughput.ts';
import { cleanRun, type ShopSize } from './clean.ts';
import { type ChaosResult, differences, duplicatesIn, missingIn, normalised, stateOf } from './lib.ts';

type Rec = Record<string, unknown>;

const startOf = (r: LoggedRequest) => Date.parse(r.at) - r.durationMs;

/** The intent key (namespace, key) a create request must have been preceded by. */
function intentFor(
  r: LoggedRequest,
  skuToWooId: Map<string, string>,
  codeToPoId: Map<string, string>,
): [string, string] | undefined {
  const body = (r.body ?? {}) as Rec;
  const path = r.path.toLowerCase();
  if (r.method !== 'POST') return undefined;
  if (path.endsWith('/v2/customers'))
    return ['mapsync.v1.customer-person.meta', `intent.source.${body.ExternalImportReference}`];
  if (path.endsWith('/v2/products')) {
    const wooId = skuToWooId.get(String(body.Code)) ?? String(body.Code).replace(/^WOO-/, '');
    return ['mapsync.v1.product.meta', `intent.source.${wooId}`];
  }
  if (path.endsWith('/v2/salesorders/complete') || path.endsWith('/v2/salesorders'))
    return ['mapsync.v1.salesorder.meta', `intent.source.${body.ExternalImportReference}`];
  if (path.endsWith('/wc/v3/products'))
    return ['mapsync.v1.product.meta', `intent.target.${codeToPoId.get(String(body.sku))}`];
  return undefined;
}

export async function storeOutage(ctx: BenchContext): Promise<ChaosResult> {
  const trials = ctx.quick ? 2 : 5;
  const size: ShopSize = ctx.quick
    ? { customers: 30, products: 10, orders: 30, seed: 23 }
    : { customers: 100, products: 30, orders: 100, seed: 23 };
  const random = new Random(2323);
  const clean = await cleanRun(size);
  const result: ChaosResult = {
    run: 'store unavailable mid-run',
    trials,
    faults: 0,
    faultKinds: {},
    duplicates: [],
    missing: [],
    pending: [],
    equalToClean: true,
    differences: [],
  };
  let lateWrites = 0;
  let inFlight = 0;
  let withoutIntent = 0;
  let said = 0;
  const stopMs: number[] = [];
  for (let trial = 1; trial <= trials; trial++) {
    const env = await startEnv({
      fill: (woo) => fillShop(woo, size),
      poRateLimit: 60,
      connectorRateLimit: 60,
    });
    try {
      // Operations a full backfill of this shop makes: measured on the clean reference
      // scale; the failure lands anywhere from early to late in the run.
      const failAfter = random.int(50, ctx.quick ? 400 : 1500);
      const opened = await env.open();
      const store = new CountingStore(opened.store);
      store.keepJournal = true;
      store.failAfterOps = failAfter;
      const engine = new SyncEngine({
        mappings: opened.project.mappings,
        connectors: opened.connectors,
        store,
        runtime: opened.runtime,
        evaluator: mappingEval,
      });
      let summary: Awaited<ReturnType<SyncEngine['run']>> | undefined;
      let thrown: unknown;
      try {
        summary = await engine.run();
      } catch (error) {
        thrown = error;
      }
      const ended = Date.now();
      await opened.close().catch(() => {});
      result.faults += 1;
      const failedAt = store.failedAt;
      const writes = [...env.po.log.list(), ...env.woo.log.list()].filter((r) => kindOf(r) === 'write');
      let late: LoggedRequest[] = [];
      if (failedAt !== undefined) {
        late = writes.filter((r) => startOf(r) > failedAt + 2);
        inFlight += writes.filter((r) => startOf(r) <= failedAt && Date.parse(r.at) > failedAt).length;
        stopMs.push(ended - failedAt);
      }
      lateWrites += late.length;
      const message = summary?.storeError ?? (thrown instanceof Error ? thrown.message : undefined);
      if (failedAt !== undefined && message && /store/i.test(message)) said++;
      // Every create preceded by its stored intent.
      const state = await stateOf(env);
      const skuToWooId = new Map(
        state.woo.products.map((p) => [String(p.sku || `WOO-${p.id}`), String(p.id)]),
      );
      const codeToPoId = new Map(state.po.products.map((p) => [String(p.Code), String(p.Id)]));
      const orphans: string[] = [];
      for (const r of writes) {
        const key = intentFor(r, skuToWooId, codeToPoId);
        if (!key) continue;
        const stored = store.journal.find(
          (j) => j.op === 'set' && j.namespace === key[0] && j.key === key[1],
        );
        if (!stored || stored.at > startOf(r))
          orphans.push(`${r.method} ${r.path} (${key[1]}) without a stored intent`);
      }
      withoutIntent += orphans.length;
      ctx.log(
        `  trial ${trial}: store fails after ${failAfter} operations${failedAt === undefined ? ' (never reached: the run ended first)' : ''}; ` +
          `run ${summary ? `returned ok=${summary.ok}` : `threw ${String(thrown).slice(0, 200)}`}, says: ${message ?? '(nothing)'}; ` +
          `stopped ${failedAt !== undefined ? ended - failedAt : '-'} ms after the failure; writes started after it ${late.length}, in flight ${inFlight}; ` +
          `creates without intent ${orphans.length}; store operations refused ${store.refused}`,
      );
      for (const o of orphans.slice(0, 5)) result.missing.push(`trial ${trial}: ${o}`);
      for (const r of late.slice(0, 5))
        result.missing.push(`trial ${trial}: write after the store failed: ${r.method} ${r.path}`);
      // The store is back: the next runs must converge without duplicates.
      const after = await converge(env, 6);
      const final = await stateOf(env);
      const reopened = await env.open();
      try {
        const dup = duplicatesIn(final);
        const { missing, pending } = await missingIn(final, reopened.store);
        const diffs = differences(await normalised(final, reopened.store), clean.normal);
        result.duplicates.push(...dup.map((d) => `trial ${trial}: ${d}`));
        result.missing.push(...missing.map((d) => `trial ${trial}: ${d}`));
        result.pending.push(...pending.map((d) => `trial ${trial}: ${d}`));
        result.differences.push(...diffs.map((d) => `trial ${trial}: ${d}`));
        if (diffs.length > 0) result.equalToClean = false;
        ctx.log(
          `    with the store back: ${after.runs} run(s) until clean; duplicates ${dup.length}, missing ${missing.length}, pending ${pending.length}, differences ${diffs.length}`,
        );
      } finally {
        await reopened.close();
      }
    } finally {
      await env.close();
    }
  }
  result.faultKinds = { 'store failures': result.faults };
  result.extra =
    `run reported the store failure in ${said}/${trials}; writes started after the failure ${lateWrites}; ` +
    `writes in flight at the failure ${inFlight}; creates without a stored intent ${withoutIntent}; ` +
    `stopped within ${stopMs.length ? Math.max(...stopMs) : '-'} ms of the failure`;
  (result as ChaosResult & { outage?: unknown }).outage = {
    said,
    lateWrites,
    withoutIntent,
    inFlight,
    stopMs,
  };
  return result;
}
