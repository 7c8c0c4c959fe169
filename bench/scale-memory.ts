/**
 * Benchmark 4 — scale and memory: backfill 1,000, 10,000 and 100,000 WooCommerce customers
 * into an empty PowerOffice client with the sandbox's rate limit off (the connector's own
 * limit at its maximum, 1,000 rps). The engine runs in a child process (the sandboxes and
 * their 100,000 records stay in this one), with a SQLite store in a temp dir; its RSS is
 * sampled every 100 ms from inside, and the kernel's high-water mark is read at the end.
 * Reported: peak RSS, store size on disk, records per second, and how time and memory
 * grow with the size (time should grow linearly, memory stay flat).
 */
import { statSync } from 'node:fs';
import KeyvSqlite from '@keyv/sqlite';
import { runInChild } from './lib/child.ts';
import { type BenchContext, type Benchmark, mb } from './lib/context.ts';
import { fillShop } from './lib/dataset.ts';
import { startEnv } from './lib/env.ts';
import { count } from './lib/requests.ts';

const B = '4. scale and memory';
const RSS_LIMIT_MB = 300;

interface Point {
  n: number;
  ms: number;
  peakRss: number;
  kernelPeak?: number;
  baseline: number;
  heapPeak: number;
  storeBytes: number;
  created: number;
  poCustomers: number;
}

/** Size of the store once its WAL is checkpointed into the database file (as after a clean stop). */
async function settledSize(file: string): Promise<number> {
  const db = new KeyvSqlite({ uri: `sqlite://${file}` });
  try {
    await db.query('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    await db.disconnect();
  }
  return sizeOnDisk(file);
}

function sizeOnDisk(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += statSync(file + suffix).size;
    } catch {
      // not there
    }
  }
  return total;
}

async function point(ctx: BenchContext, n: number): Promise<Point> {
  const env = await startEnv({
    fill: (woo) => fillShop(woo, { customers: n, products: 0, orders: 0, seed: 9 }),
    poRateLimit: false,
    connectorRateLimit: 1000,
  });
  // The request logs keep no bodies (100,000 of them would only weigh on this process).
  env.po.log.keepBodies = false;
  env.woo.log.keepBodies = false;
  try {
    const before = env.po.state.customers.size;
    const report = await runInChild(env.env, env.dir, { mappings: ['customer-person'] });
    const storeBytes = await settledSize(env.storePath);
    const wooCounts = count(env.woo.log.list());
    const p: Point = {
      n,
      ms: report.durationMs,
      peakRss: report.peakRssBytes,
      ...(report.kernelPeakRssBytes !== undefined ? { kernelPeak: report.kernelPeakRssBytes } : {}),
      baseline: report.baselineRssBytes,
      heapPeak: report.heapUsedPeakBytes,
      storeBytes,
      created: report.counts['customer-person']?.created ?? 0,
      poCustomers: env.po.state.customers.size - before,
    };
    ctx.log(
      `  ${n.toLocaleString('en-US')} customers: ${(p.ms / 1000).toFixed(1)} s (${Math.round((n * 1000) / p.ms)} records/s), ` +
        `peak RSS ${mb(p.peakRss).toFixed(0)} MB (kernel high-water ${p.kernelPeak ? mb(p.kernelPeak).toFixed(0) : '?'} MB, after opening ${mb(p.baseline).toFixed(0)} MB, heap used peak ${mb(p.heapPeak).toFixed(0)} MB), ` +
        `store ${mb(storeBytes).toFixed(1)} MB; created ${p.created}, PowerOffice holds ${p.poCustomers} new; ` +
        `PowerOffice requests ${env.po.log.mark()}, WooCommerce list pages ${wooCounts.listPages}; ok=${report.ok} ${report.errors.join('; ')}`,
    );
    if (!report.ok || p.created !== n || p.poCustomers !== n) {
      ctx.findings.push({
        benchmark: B,
        title: `backfill of ${n} customers incomplete`,
        lines: [
          `created ${p.created}, PowerOffice has ${p.poCustomers} new, errors: ${report.errors.join('; ')}`,
        ],
      });
    }
    return p;
  } finally {
    await env.close();
  }
}

async function run(ctx: BenchContext): Promise<void> {
  const sizes = ctx.quick ? [250, 1000] : [1000, 10_000, 100_000];
  const points: Point[] = [];
  for (const n of sizes) points.push(await point(ctx, n));
  const largest = points.at(-1)!;
  const label = largest.n.toLocaleString('en-US');
  ctx.figures.add(B, {
    name: `peak RSS of the engine, ${label} customers`,
    measured: mb(largest.peakRss),
    limit: RSS_LIMIT_MB,
    unit: 'MB',
    note:
      `engine in a child process (sandboxes in the parent), RSS sampled every 100 ms; kernel high-water mark ${largest.kernelPeak ? mb(largest.kernelPeak).toFixed(0) : '?'} MB; ` +
      `RSS after loading the project ${mb(largest.baseline).toFixed(0)} MB; heap used at most ${mb(largest.heapPeak).toFixed(0)} MB`,
  });
  ctx.figures.add(B, {
    name: `records per second, ${label} customers (rate limit off)`,
    measured: (largest.n * 1000) / largest.ms,
    limit: 1000,
    unit: 'rec/s',
    kind: 'info',
    note: `limit = the connector's own ceiling (rate_limit 1000 rps); ${(largest.ms / 1000).toFixed(1)} s for ${label} creates`,
  });
  ctx.figures.add(B, {
    name: `store size on disk, ${label} customers`,
    measured: mb(largest.storeBytes),
    limit: (largest.n * 2048) / 1e6,
    unit: 'MB',
    kind: 'info',
    note: `${Math.round(largest.storeBytes / largest.n)} bytes per linked customer (SQLite file after a WAL checkpoint); limit shown = 2 kB per record for scale`,
  });
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const growth = `${a.n.toLocaleString('en-US')} → ${b.n.toLocaleString('en-US')}`;
    ctx.figures.add(B, {
      name: `time per record, ${growth}`,
      measured: b.ms / b.n,
      limit: a.ms / a.n,
      unit: 'ms',
      maxRatio: 1.25,
      note: `close to linear time = the time per record stays within 25 %: ${(a.ms / 1000).toFixed(1)} s → ${(b.ms / 1000).toFixed(1)} s`,
    });
    ctx.figures.add(B, {
      name: `peak RSS, ${growth}`,
      measured: mb(b.peakRss),
      limit: mb(a.peakRss),
      unit: 'MB',
      maxRatio: 1.25,
      note: 'flat memory = peak RSS within 25 % while the record count grows tenfold',
    });
  }
}

export const scaleMemory: Benchmark = { name: 'scale', title: '4. Scale and memory', run };
