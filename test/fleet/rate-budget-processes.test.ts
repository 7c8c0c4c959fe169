/**
 * The shared rate budget across real processes: N child processes (budget-child.mjs, on dist/), each
 * with its own hub, hammer one key. Start times are collected by the test from the
 * children's output (one clock: the same machine), and no window of 1 s may hold more than
 * the limit. Why that holds with a 50 ms margin: docs/fleet.md, "Why the window holds".
 * Also: a child killed with SIGKILL leaks no budget, and a Redis restarted mid-run (a private
 * redis-server on a free port, never the shared one) is waited out, then used again.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisMissing } from '../services.ts';
import { dropPrefix, maxInWindow, testPrefix } from './budget-helpers.ts';

const missing = await redisMissing();
const CHILD = fileURLToPath(new URL('./budget-child.mjs', import.meta.url));
const LIMIT = 10;
const prefixes: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const p of prefixes) await dropPrefix(p);
});

interface Child {
  process: ChildProcess;
  starts: number[];
  ready: Promise<void>;
  done: Promise<void>;
}

function child(settings: Record<string, unknown>): Child {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify({ limit: LIMIT, ...settings })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  const starts: number[] = [];
  let buffer = '';
  let onReady: () => void;
  let onDone: () => void;
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  const done = new Promise<void>((resolve, reject) => {
    onDone = resolve;
    proc.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve() : code === 0 ? resolve() : reject(new Error(`child exited ${code}`)),
    );
  });
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line === 'ready') onReady();
      else if (line.startsWith('start ')) starts.push(Number(line.slice(6)));
      else if (line.startsWith('done')) onDone();
      nl = buffer.indexOf('\n');
    }
  });
  return { process: proc, starts, ready, done };
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(missing !== undefined)('shared rate budget across processes', () => {
  it('4 processes hammering one key never start more than 10 in any second, and use the budget', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const kids = Array.from({ length: 4 }, (_, i) =>
      child({ redis: REDIS_URL, prefix, tenant: `t${i}`, priority: 'backfill', count: 15, concurrency: 4 }),
    );
    await Promise.all(kids.map((k) => k.ready));
    await Promise.all(kids.map((k) => k.done));
    const all = kids.flatMap((k) => k.starts);
    expect(all).toHaveLength(60);
    expect(maxInWindow(all, 1000)).toBeLessThanOrEqual(LIMIT);
    // 60 starts at 10 per 1.05 s: about 6 s after the first; a starved budget would take far longer.
    expect(Math.max(...all) - Math.min(...all)).toBeLessThan(9_000);
  });

  it('a process killed with SIGKILL while waiting leaks no budget: the others get all of it', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const doomed = child({
      redis: REDIS_URL,
      prefix,
      tenant: 'doomed',
      priority: 'interactive',
      count: 10_000,
      concurrency: 8,
      leaseMs: 1000,
    });
    await doomed.ready;
    await until(() => doomed.starts.length >= 5);
    const survivor = child({
      redis: REDIS_URL,
      prefix,
      tenant: 'alive',
      priority: 'backfill',
      count: 30,
      concurrency: 4,
    });
    await survivor.ready;
    doomed.process.kill('SIGKILL');
    const killedAt = Date.now();
    await survivor.done;
    // After the lease (1 s) and one claim timeout (0.5 s) the survivor has the whole budget:
    // 30 calls in about 3 s more, not the 1,000 s the doomed queue would hold it back.
    expect(Math.max(...survivor.starts) - killedAt).toBeLessThan(1000 + 500 + 3200 + 2000);
    expect(maxInWindow([...doomed.starts, ...survivor.starts], 1000)).toBeLessThanOrEqual(LIMIT);
  });
});

const redisServer = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
const noServer = redisServer.status === 0 ? undefined : 'redis-server is not installed';
if (noServer) console.warn(`SKIPPED: the Redis restart test needs ${noServer}`);

describe.skipIf(missing !== undefined || noServer !== undefined)(
  'shared rate budget across a Redis restart',
  () => {
    it('starts nothing while Redis is down, then carries on; the window holds across the restart', async () => {
      const port = await freePort();
      const startRedis = () => {
        const server = spawn(
          'redis-server',
          ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          { stdio: 'ignore' },
        );
        children.push(server);
        return server;
      };
      let server = startRedis();
      const url = `redis://127.0.0.1:${port}`;
      const kids = Array.from({ length: 2 }, (_, i) =>
        child({
          redis: url,
          prefix: 'mapsync-test:restart:',
          tenant: `t${i}`,
          priority: 'backfill',
          count: 40,
          concurrency: 3,
        }),
      );
      await Promise.all(kids.map((k) => k.ready));
      await until(() => kids.reduce((n, k) => n + k.starts.length, 0) >= 15);
      server.kill('SIGKILL');
      const downAt = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
      const upAt = Date.now();
      server = startRedis();
      await Promise.all(kids.map((k) => k.done));
      server.kill('SIGKILL');
      const all = kids.flatMap((k) => k.starts);
      expect(all).toHaveLength(80);
      // A slot granted just before the kill may start within the 50 ms margin; nothing later.
      expect(all.filter((t) => t > downAt + 50 && t < upAt)).toEqual([]);
      expect(maxInWindow(all, 1000)).toBeLessThanOrEqual(LIMIT);
    });
  },
);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
