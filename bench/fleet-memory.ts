/**
 * Benchmark 7 — a fleet worker's memory against the number of tenants (docs/fleet.md): one
 * `mapsync serve --role worker` process (concurrency 4) runs a poll of every tenant's
 * customers, first for 10 tenants, then for 500 (quick: 40). All tenants point at one
 * small shop and one PowerOffice sandbox (their state is namespaced per tenant all the same),
 * so the measurement is the worker's, not the sandboxes'. The worker keeps at most 20
 * tenants' engines open (MAPSYNC_TENANT_ENGINES_MAX: the least recently used is closed to
 * open another) and compiles the shared mappings' schemas once for all of them. The bench
 * reads the worker's /metrics when the queue is empty and otherwise every 5 s (for its stall
 * check), not on every turn of its 250 ms loop: rendering 500 tenants' series 4 times a
 * second was a load on the measured process that no Prometheus puts on it. The worker's heap
 * grows by at most 50 % over what a full collection kept (MAPSYNC_WORKER_HEAP_GROWTH_PERCENT,
 * applied by the worker role itself; docs/fleet.md, "Worker memory against tenants").
 *
 * Figure: the worker's RSS (prom-client's `process_resident_memory_bytes` on its
 * MAPSYNC_METRICS_PORT) after every tenant's poll, N tenants against 10: at most
 * 1.25 (flat within ±25 %).
 */
import { cpus, loadavg } from 'node:os';
import type { BenchContext, Benchmark } from './lib/context.ts';
import { fleetServicesMissing, startFleet } from './lib/fleet.ts';

const B = '7. fleet worker memory';

async function scrape(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = { jobs_done: 0 };
  for (const line of text.split('\n')) {
    // Jobs done, summed over tenants and kinds.
    const done = /^mapsync_jobs_total\{[^}]*outcome="done"[^}]*\} (\S+)$/.exec(line);
    if (done) out.jobs_done! += Number(done[1]);
    const m =
      /^(process_resident_memory_bytes|mapsync_tenant_engines_open|nodejs_heap_size_used_bytes|nodejs_heap_size_total_bytes|nodejs_external_memory_bytes) (\S+)$/.exec(
        line,
      );
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

async function run(ctx: BenchContext): Promise<void> {
  const missing = await fleetServicesMissing();
  if (missing) throw new Error(missing);
  const most = ctx.quick ? 40 : 500;
  // Tenants' engines a worker keeps open (the default of MAPSYNC_TENANT_ENGINES_MAX).
  const cap = 20;
  const fleet = await startFleet({
    tenants: most,
    sandboxes: 1,
    size: () => ({ customers: 5, products: 2, orders: 2, seed: 90 }),
    rateLimit: 1000,
    env: {
      MAPSYNC_METRICS_PORT: '0',
      MAPSYNC_WORKER_CONCURRENCY: '4',
      MAPSYNC_TENANT_ENGINES_MAX: String(cap),
    },
  });
  try {
    const worker = await fleet.start('worker');
    const rssAt = new Map<number, number>();
    let target = 0;
    /** Poll `tenants` (ids), then wait until the worker has done every job so far. */
    const pollAll = async (tenants: string[], started: number) => {
      for (const tenant of tenants)
        await fleet.queue.add({ v: 1, kind: 'poll', tenant, mapping: 'customer-person' });
      target += tenants.length;
      // A stall, not a slow machine, fails the run: the first poll of a tenant creates its
      // customers in PowerOffice, so the phase of `most` tenants does far more than the
      // phase of 10 (whose later rounds find nothing to do), and on a loaded machine it
      // takes longer than any fixed time would allow.
      let last = { done: -1, at: Date.now() };
      let nextReport = Date.now() + 60_000;
      let lastScrape = 0;
      for (;;) {
        const counts = await fleet.queue.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
        const idle = Object.values(counts).every((c) => c === 0);
        // The worker's /metrics is read when the queue is empty, else every 5 s for the stall
        // check: rendered 4 times a second (the pace of this loop, not any Prometheus's) for
        // 500 tenants' series, it was most of what the worker allocated (docs/fleet.md).
        if (!idle && Date.now() - lastScrape < 5000) {
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        lastScrape = Date.now();
        const done = (await scrape(worker.url!)).jobs_done ?? 0;
        if (idle && done >= target) return;
        if (done !== last.done) last = { done, at: Date.now() };
        if (Date.now() - last.at > 120_000)
          throw new Error(`the worker finished no poll in 2 minutes (${done} of ${target} done)`);
        if (Date.now() >= nextReport) {
          nextReport += 60_000;
          ctx.log(`  … ${done} of ${target} polls done, ${((Date.now() - started) / 1000).toFixed(0)} s`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    for (const n of [10, most]) {
      const started = Date.now();
      // The same work in both phases — `most` polls — on 10 tenants, then on `most`: V8 keeps
      // the heap it grew for the work, so less work at 10 would look like less memory.
      if (n === 10)
        for (let round = 0; round < most / 10; round++) await pollAll(fleet.ids.slice(0, 10), started);
      else await pollAll(fleet.ids.slice(0, n), started);
      // A few samples after the work: the highest is what the worker holds.
      let rss = 0;
      let heap = 0;
      let open = 0;
      let heapTotal = 0;
      let external = 0;
      for (let i = 0; i < 5; i++) {
        const m = await scrape(worker.url!);
        rss = Math.max(rss, m.process_resident_memory_bytes ?? 0);
        heap = Math.max(heap, m.nodejs_heap_size_used_bytes ?? 0);
        open = Math.max(open, m.mapsync_tenant_engines_open ?? 0);
        heapTotal = Math.max(heapTotal, m.nodejs_heap_size_total_bytes ?? 0);
        external = Math.max(external, m.nodejs_external_memory_bytes ?? 0);
        await new Promise((r) => setTimeout(r, 400));
      }
      rssAt.set(n, rss);
      ctx.log(
        `  ${n} tenants: RSS ${(rss / 1e6).toFixed(0)} MB, heap used ${(heap / 1e6).toFixed(0)} MB of ${(heapTotal / 1e6).toFixed(0)}, external ${(external / 1e6).toFixed(0)} MB, ${open} engines open, ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    }
    const small = rssAt.get(10)!;
    const large = rssAt.get(most)!;
    ctx.figures.add(B, {
      name: `worker RSS after polls of ${most} tenants / of 10`,
      measured: Number((large / 1e6).toFixed(1)),
      limit: Number(((small * 1.25) / 1e6).toFixed(1)),
      unit: 'MB',
      note: `10 tenants: ${(small / 1e6).toFixed(0)} MB; ${most}: ${(large / 1e6).toFixed(0)} MB (ratio ${(large / small).toFixed(2)}, target ≤ 1.25); at most ${cap} engines open; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    });
  } finally {
    await fleet.close();
  }
}

export const fleetMemory: Benchmark = { name: 'fleet-memory', title: B, run };
