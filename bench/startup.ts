/**
 * Benchmark 6 — the CLI's start-up, as a user feels it (`npm run bench -- --only startup`).
 *
 * - `mapsync --help` against plain node (`node -e 0`): each command is run several times,
 *   the two interleaved so that both see the same machine, and the medians compared;
 *   target ≤ 3 × node.
 * - `mapsync validate mappings` (the shipped mappings, their tests and mapsync.yaml): the
 *   median, against 0.5 s.
 * - A backfill that costs PowerOffice exactly 130 requests (writes, the list pages that show
 *   what it holds, one token), run as a real `mapsync sync` process against both sandboxes at
 *   10 rps, timed from the spawn to the exit: start-up, loading the project, the run and the
 *   shutdown all count. The bound is 130 requests / 10 rps; target ≤ 1.15 × the bound.
 *
 * The CLI runs dist/ (bin/mapsync.js); bench/run.ts builds it first so that the figures are for the code
 * in the tree.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { spawnSync } from './lib/child.ts';
import type { BenchContext, Benchmark } from './lib/context.ts';
import { fillShop } from './lib/dataset.ts';
import { REPO, startEnv } from './lib/env.ts';
import { count, describeCounts } from './lib/requests.ts';
import { minimumRequests } from './throughput.ts';

const B = '6. start-up';
const BIN = join(REPO, 'bin/mapsync.js');
const RPS = 10;
/**
 * 50 customers + 26 products + 50 orders = 126 writes, + 3 list pages + 1 token = 130. The
 * orders stay `processing`: a completed one would also be invoiced (salesorder.yaml's
 * `invoice` action, a write and its status polls), requests outside the 130 counted here.
 */
const SHOP = { customers: 50, products: 26, orders: 50, completedEvery: 0 };

/** Wall time of one process, in ms; throws when it does not exit 0. */
function timeProcess(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** Each command `runs` times, round-robin; the median wall time of each, in ms. */
async function medians(commands: Record<string, string[]>, runs: number): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(commands)) times[name]!.push(await timeProcess(args));
  }
  return times;
}

async function commands(ctx: BenchContext): Promise<void> {
  const runs = ctx.quick ? 5 : 15;
  const times = await medians(
    {
      node: ['-e', '0'],
      help: [BIN, '--help'],
      validate: [BIN, 'validate', 'mappings'],
    },
    runs,
  );
  const node = median(times.node!);
  const help = median(times.help!);
  const validate = median(times.validate!);
  const spread = (values: number[]) =>
    `min ${Math.round(Math.min(...values))} ms, max ${Math.round(Math.max(...values))} ms`;
  ctx.log(`  ${runs} runs each: node -e 0 ${Math.round(node)} ms (${spread(times.node!)})`);
  ctx.log(`  mapsync --help ${Math.round(help)} ms (${spread(times.help!)})`);
  ctx.log(`  mapsync validate mappings ${Math.round(validate)} ms (${spread(times.validate!)})`);
  ctx.figures.add(B, {
    name: 'mapsync --help vs plain node (node -e 0)',
    measured: help,
    limit: node,
    unit: 'ms',
    maxRatio: 3,
    note: `median of ${runs} runs each, interleaved; node -e 0 ${spread(times.node!)}; mapsync --help ${spread(times.help!)}`,
  });
  ctx.figures.add(B, {
    name: 'mapsync validate mappings',
    measured: validate,
    limit: 500,
    unit: 'ms',
    note: `median of ${runs} runs (${spread(times.validate!)}): the shipped mappings, their tests and mapsync.yaml; plain node took ${Math.round(node)} ms in the same runs`,
  });
}

async function backfill(ctx: BenchContext): Promise<void> {
  const runs = ctx.quick ? 1 : 3;
  const measured: number[] = [];
  let detail = '';
  for (let run = 1; run <= runs; run++) {
    const env = await startEnv({
      fill: (woo) => fillShop(woo, SHOP),
      poRateLimit: RPS,
      connectorRateLimit: RPS,
    });
    try {
      const minimum = minimumRequests(env, SHOP);
      const started = process.hrtime.bigint();
      const result = await spawnSync(env.env, env.dir).done;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.code !== 0)
        throw new Error(`mapsync sync exited ${result.code}: ${result.stderr.slice(-800)}`);
      const po = count(env.po.log.list());
      if (minimum.total !== 130) throw new Error(`the shop costs ${minimum.total} requests, not 130`);
      measured.push(ms);
      detail = `PowerOffice received ${describeCounts(po)}; minimum ${minimum.total} (${minimum.writes} writes + ${minimum.listPages} list pages + 1 token)`;
      ctx.log(`  run ${run}: mapsync sync ${(ms / 1000).toFixed(2)} s; ${detail}`);
    } finally {
      await env.close();
    }
  }
  const bound = 130 / RPS;
  ctx.figures.add(B, {
    name: '130-request backfill through mapsync sync vs its rate bound',
    measured: median(measured) / 1000,
    limit: bound,
    unit: 's',
    maxRatio: 1.15,
    note:
      `${SHOP.customers} customers, ${SHOP.products} products, ${SHOP.orders} orders; a real \`node bin/mapsync.js sync\` from spawn to exit (start-up, project loading, run, shutdown), median of ${runs} run(s): ${measured.map((m) => (m / 1000).toFixed(2)).join(', ')} s; ` +
      `bound = 130 requests / ${RPS} rps = ${bound} s; ${detail}. A slot of the client's limiter counts until 1 s after its request's answer, so the limiter alone puts the last of 130 requests 12 windows of 1 s plus the answers' time after the first.`,
  });
}

async function run(ctx: BenchContext): Promise<void> {
  await commands(ctx);
  await backfill(ctx);
}

export const startup: Benchmark = { name: 'startup', title: '6. CLI start-up', run };
