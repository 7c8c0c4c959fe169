/**
 * Benchmark 5 — latency of a shop edit reaching PowerOffice Go, end to end, through the real
 * service: `node bin/mapsync.js serve --sandbox` (both sandboxes in its process, the shop's
 * webhooks registered to it, PowerOffice at its 10 rps limit). After the service's first
 * backfill has settled, a WooCommerce customer's phone is edited through the shop's REST
 * API (which fires the signed webhook, after WooCommerce-style coalescing of 250 ms), and
 * the PowerOffice write is found in the PowerOffice sandbox's request log: latency = the
 * PATCH's logged time − the moment the edit was sent. Edits are spaced (the next one starts
 * 300 ms after the previous write) so the service is idle-ish, as the target says.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggedRequest } from '../sandbox/common/request-log.ts';
import type { BenchContext, Benchmark } from './lib/context.ts';
import { REPO } from './lib/env.ts';

const B = '5. latency';
const P95_LIMIT_MS = 2000;

interface Banner {
  wooUrl: string;
  consumerKey: string;
  consumerSecret: string;
  poRoot: string;
}

function parseBanner(text: string): Banner | undefined {
  const woo = /WooCommerce\s+(http:\/\/\S+)/.exec(text)?.[1];
  const key = /consumer key (\S+)/.exec(text)?.[1];
  const secret = /consumer secret (\S+)/.exec(text)?.[1];
  const po = /PowerOffice Go\s+(http:\/\/\S+)\/v2/.exec(text)?.[1];
  if (!woo || !key || !secret || !po || !/mapsync serve: ready/.test(text)) return undefined;
  return { wooUrl: woo, consumerKey: key, consumerSecret: secret, poRoot: po };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest rank.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

async function startService(
  dir: string,
): Promise<{ child: ChildProcess; banner: Banner; stderr: () => string }> {
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'bin/mapsync.js'),
      'serve',
      '--sandbox',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--log-level',
      'warn',
      '--seed',
      '20',
    ],
    {
      cwd: REPO,
      env: { ...process.env, MAPSYNC_CONFIG: join(REPO, 'mapsync.yaml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const banner = parseBanner(out);
    if (banner) return { child, banner, stderr: () => err };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve --sandbox did not start: ${out.slice(-2000)} ${err.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(ctx: BenchContext): Promise<void> {
  const edits = ctx.quick ? 20 : 200;
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-bench-serve-'));
  const { child, banner, stderr } = await startService(dir);
  const admin = `${banner.poRoot}/__admin`;
  const auth = `Basic ${Buffer.from(`${banner.consumerKey}:${banner.consumerSecret}`).toString('base64')}`;
  try {
    // The first backfill: wait until every shop customer is in PowerOffice and it is quiet.
    const customers = await json<Array<{ id: number }>>(
      `${banner.wooUrl}/wp-json/wc/v3/customers?per_page=100`,
      {
        headers: { authorization: auth },
      },
    );
    let poIdOf = new Map<string, string>();
    let quietSince = Date.now();
    let lastMark = 0;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const state = await json<{ customers: Array<{ Id: number; ExternalImportReference?: string }> }>(
        `${admin}/state`,
      );
      poIdOf = new Map(
        state.customers
          .filter((c) => c.ExternalImportReference)
          .map((c) => [String(c.ExternalImportReference), String(c.Id)]),
      );
      const { mark } = await json<{ mark: number }>(`${admin}/requests?since=${Number.MAX_SAFE_INTEGER}`);
      if (mark !== lastMark) {
        lastMark = mark;
        quietSince = Date.now();
      }
      if (customers.every((c) => poIdOf.has(String(c.id))) && Date.now() - quietSince > 1500) break;
      if (Date.now() > deadline) throw new Error('the service did not finish its first backfill in 120 s');
      await sleep(250);
    }
    ctx.log(`  service up; ${customers.length} customers linked; ${edits} edits follow`);

    const latencies: number[] = [];
    const missed: string[] = [];
    for (let i = 0; i < edits; i++) {
      const customer = customers[i % customers.length]!;
      const poId = poIdOf.get(String(customer.id))!;
      const { mark } = await json<{ mark: number }>(`${admin}/requests?since=${Number.MAX_SAFE_INTEGER}`);
      const phone = `+47 ${String(40_000_000 + i * 7919).slice(0, 8)}`;
      const sent = Date.now();
      await json(`${banner.wooUrl}/wp-json/wc/v3/customers/${customer.id}`, {
        method: 'PUT',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ billing: { phone } }),
      });
      let write: LoggedRequest | undefined;
      const until = Date.now() + 15_000;
      while (!write && Date.now() < until) {
        await sleep(10);
        const { requests } = await json<{ requests: LoggedRequest[] }>(`${admin}/requests?since=${mark}`);
        write = requests.find(
          (r) =>
            r.method === 'PATCH' && r.path.toLowerCase().endsWith(`/customers/${poId}`) && r.status < 300,
        );
      }
      if (!write) {
        missed.push(`edit ${i + 1} (customer ${customer.id}): no PowerOffice write within 15 s`);
        continue;
      }
      latencies.push(Date.parse(write.at) - sent);
      await sleep(300);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p95 = percentile(sorted, 95);
    ctx.log(
      `  ${latencies.length}/${edits} edits reached PowerOffice: p50 ${p50} ms, p95 ${p95} ms, max ${sorted.at(-1)} ms, min ${sorted[0]} ms`,
    );
    ctx.figures.add(B, {
      name: `edit → PowerOffice write, p95 over ${edits} edits`,
      measured: p95,
      limit: P95_LIMIT_MS,
      unit: 'ms',
      note: `serve --sandbox, WooCommerce customer phone edited through the REST API, the PATCH found in the PowerOffice request log; p50 ${p50} ms, max ${sorted.at(-1)} ms; includes the shop's 250 ms webhook coalescing delay; ${missed.length} edits without a write`,
    });
    ctx.figures.add(B, {
      name: `edit → PowerOffice write, p50 over ${edits} edits`,
      measured: p50,
      limit: P95_LIMIT_MS,
      unit: 'ms',
      kind: 'info',
    });
    ctx.figures.add(B, {
      name: 'edits that never reached PowerOffice',
      measured: missed.length,
      limit: 0,
      unit: '',
      kind: 'equal',
    });
    if (missed.length > 0) {
      ctx.findings.push({
        benchmark: B,
        title: 'edits not propagated',
        lines: [...missed.slice(0, 10), stderr().slice(-1500)],
      });
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        r(undefined);
      }, 10_000);
      child.once('exit', () => {
        clearTimeout(t);
        r(undefined);
      });
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

export const latency: Benchmark = { name: 'latency', title: '5. Latency (serve --sandbox)', run };
