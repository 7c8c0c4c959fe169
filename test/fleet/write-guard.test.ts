/**
 * The write guard (engine/fleet/locks/write-guard.ts) on a private redis-server: the HTTP
 * client asks `runtime.beforeWrite` right before each write, after the rate limiter; a job
 * whose record lock ran out and was taken by another worker — a holder "paused" past its
 * ttl — cannot send its write: the request never reaches the server, the error is a
 * `transport` cancellation (not `ambiguous`), and the job is told to stop (Work.stop) so
 * the worker runs it again. The new holder writes; reads are never held back. A lock Redis
 * forgot (restarted empty) or a Redis that does not answer refuses the write as well.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import { createHttpClient } from '../../engine/connectors/http/client.ts';
import type { FleetJob } from '../../engine/fleet/jobs/job.ts';
import { FleetQueue } from '../../engine/fleet/jobs/queue.ts';
import { Locks } from '../../engine/fleet/locks/locks.ts';
import { guardWrites, LockLostError, WriteGuard } from '../../engine/fleet/locks/write-guard.ts';
import type { JobOutcome } from '../../engine/fleet/observe/fleet-metrics.ts';
import { startWorkerRole } from '../../engine/fleet/roles/worker.ts';
import { type Work, WorkContext } from '../../engine/fleet/work-context.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';
import type { ServiceEngine } from '../../engine/service/ports.ts';
import { oneEngine } from './one-engine.ts';
import { startPrivateRedis } from './private-redis.ts';

let redis: Awaited<ReturnType<typeof startPrivateRedis>> | undefined;
let missing: string | undefined;
try {
  redis = await startPrivateRedis();
} catch (error) {
  missing = `no redis-server to start: ${(error as Error).message}`;
}
if (missing) console.warn(`write-guard tests skipped: ${missing}`);

/** What the server received: method and path of every request. */
const received: string[] = [];
let server: Server;
let baseUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  server?.close();
  await redis?.stop();
});

function setup(options: { guardTimeoutMs?: number; ttlMs?: number } = {}) {
  const url = redis!.url;
  const prefix = `wg-${Math.random().toString(36).slice(2)}:`;
  // A renews far too late: it is "paused" past its ttl. B is a live worker.
  const ttlMs = options.ttlMs ?? 30_000;
  const paused = new Locks({ redis: url, prefix, ttlMs, renewEveryMs: 600_000 });
  const live = new Locks({ redis: url, prefix, ttlMs });
  // The guard renews a lock it checks to the locks' ttl, as a worker's does.
  const guard = new WriteGuard({
    redis: url,
    ttlMs,
    ...(options.guardTimeoutMs ? { timeoutMs: options.guardTimeoutMs } : {}),
  });
  const work = new WorkContext();
  const runtime = createRuntime({ beforeWrite: guardWrites(guard, work) });
  const http = createHttpClient({ system: 'test-system', prefixUrl: baseUrl, runtime, retry: { limit: 2 } });
  cleanup.push(
    () => http.close(),
    () => guard.close(),
    () => paused.close(),
    () => live.close(),
  );
  const as = <T>(lease: { fences: Work['fences'] }, fn: () => Promise<T>) => {
    const stop = new AbortController();
    const result = work.run({ priority: 'interactive', fences: lease.fences, stop }, fn);
    return { result, stop };
  };
  return { paused, live, guard, http, as, prefix };
}

/** The ConnectorError a cancelled write rejects with (got wraps a hook's error). */
async function refusal(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  for (let e = error as { cause?: unknown } | undefined; e; e = e.cause as { cause?: unknown }) {
    if (e instanceof ConnectorError) return e;
  }
  throw new Error(`not a ConnectorError: ${String(error)}`);
}

describe.skipIf(missing !== undefined)('the write guard', () => {
  const name = 'shop-1/customer/source/7';

  it('a paused holder whose lock expired and was taken by another worker cannot write', async () => {
    const { paused, live, http, as, prefix } = setup();
    const a = await paused.acquire([name]);
    // While A holds the lock its writes go out (a full ttl: however slow the machine, A
    // still holds it here).
    const first = as(a, () => http.post('customers/7', { json: { name: 'A1' } }));
    expect((await first.result).statusCode).toBe(200);
    expect(first.stop.signal.aborted).toBe(false);
    // A pauses past its ttl: its lock runs out in Redis (made to, rather than waited for, so
    // the test does not depend on how fast the steps above ran) and B takes it.
    const client = new Redis(redis!.url);
    cleanup.push(() => void client.disconnect());
    expect(await client.pexpire(`${prefix}lock:${name}`, 1)).toBe(1);
    const b = await live.acquire([name], { waitMs: 20_000 });
    expect(b.fences[0]!.token).toBeGreaterThan(a.fences[0]!.token);
    const before = received.length;
    // A wakes up and sends the edit it had prepared: cancelled, never sent.
    const stale = as(a, () => http.post('customers/7', { json: { name: 'A2 (stale)' } }));
    const error = await refusal(stale.result);
    expect(error.kind).toBe('transport');
    expect(error.message).toMatch(/cancelled before it was sent.*no longer held/);
    expect(stale.stop.signal.aborted).toBe(true);
    expect(stale.stop.signal.reason).toBeInstanceOf(LockLostError);
    // Every write method is guarded; reads are not.
    for (const method of ['put', 'patch', 'delete'] as const) {
      const attempt = as(a, () => http(`customers/7`, { method: method.toUpperCase() as 'PUT' }));
      expect((await refusal(attempt.result)).kind).toBe('transport');
    }
    expect(received.slice(before)).toEqual([]);
    const read = as(a, () => http.get('customers/7'));
    expect((await read.result).statusCode).toBe(200);
    // B, the holder now, writes.
    const fresh = as(b, () => http.post('customers/7', { json: { name: 'B' } }));
    expect((await fresh.result).statusCode).toBe(200);
    expect(received.slice(before)).toEqual(['GET /customers/7', 'POST /customers/7']);
    await Promise.all([a.release(), b.release()]);
  });

  it('renews the locks it checks; refuses a write outside any job', async () => {
    const { live, http, as, prefix } = setup();
    const lease = await live.acquire([name, 'shop-1/customer']);
    const client = new Redis(redis!.url);
    cleanup.push(() => void client.disconnect());
    await client.pexpire(`${prefix}lock:${name}`, 1000);
    const write = as(lease, () => http.post('customers/7', { json: {} }));
    expect((await write.result).statusCode).toBe(200);
    // The check renewed every lock of the job to a full ttl.
    expect(await client.pttl(`${prefix}lock:${name}`)).toBeGreaterThan(20_000);
    expect(await client.pttl(`${prefix}lock:shop-1/customer`)).toBeGreaterThan(20_000);
    const before = received.length;
    await expect(refusal(http.post('customers/7', { json: {} }))).resolves.toBeInstanceOf(ConnectorError);
    expect(received.length).toBe(before);
    await lease.release();
  });

  it('refuses when Redis forgot the locks (restarted empty) and when Redis does not answer', async () => {
    const { live, http, as } = setup({ guardTimeoutMs: 500 });
    const lease = await live.acquire([name]);
    await redis!.restart();
    const before = received.length;
    const forgotten = as(lease, () => http.post('customers/7', { json: {} }));
    expect((await refusal(forgotten.result)).message).toMatch(/no longer held/);
    expect(forgotten.stop.signal.aborted).toBe(true);
    await redis!.stop();
    const unanswered = as(lease, () => http.post('customers/7', { json: {} }));
    expect((await refusal(unanswered.result)).message).toMatch(/Redis did not confirm/);
    expect(received.length).toBe(before);
    await redis!.restart();
  });
});

describe.skipIf(missing !== undefined)('a worker whose job lost its locks', () => {
  it('sends nothing more, puts the job back and runs it again under new locks', async () => {
    const url = redis!.url;
    const prefix = `wgw-${Math.random().toString(36).slice(2)}`;
    const work = new WorkContext();
    // The worker's locks are "paused": renewed far too late, so they run out after 3 s (time
    // enough, on a loaded machine, for a job to go from taking them to its write).
    const locks = new Locks({ redis: url, prefix: `${prefix}:`, ttlMs: 3000, renewEveryMs: 600_000 });
    const other = new Locks({ redis: url, prefix: `${prefix}:`, ttlMs: 30_000 });
    const guard = new WriteGuard({ redis: url, ttlMs: 3000 });
    const http = createHttpClient({
      system: 'test-system',
      prefixUrl: baseUrl,
      runtime: createRuntime({ beforeWrite: guardWrites(guard, work) }),
    });
    let attempts = 0;
    // The tenant's engine: one record job = one write to the server, made after a pause on
    // the first attempt, during which another worker takes the record's lock.
    const port = {
      async syncRecord(item) {
        const attempt = ++attempts;
        if (attempt === 1) {
          const taken = await other.acquire([`shop-1/customer/source/${item.id}`], { waitMs: 20_000 });
          setTimeout(() => void taken.release(), 300);
        }
        await http.post(`customers/${item.id}`, { json: { attempt } }).catch(() => undefined);
      },
    } satisfies Partial<ServiceEngine>;
    const engines = oneEngine(port);
    const outcomes: string[] = [];
    const queue = new FleetQueue({ redis: url, prefix });
    const role = startWorkerRole({
      queue: { redis: url, prefix },
      engines,
      locks,
      work,
      logger: createLogger({ level: 'silent' }),
      onJob: (_job: FleetJob, outcome: JobOutcome) => outcomes.push(outcome),
    });
    cleanup.push(
      () => role.close(),
      () => queue.close(),
      () => http.close(),
      () => guard.close(),
      () => locks.close(),
      () => other.close(),
    );
    const before = received.length;
    await queue.add({
      v: 1,
      kind: 'record',
      tenant: 'shop-1',
      mapping: 'customer',
      side: 'source',
      id: '42',
      event: 'updated',
    });
    await expect.poll(() => outcomes, { timeout: 60_000, interval: 100 }).toContain('done');
    // The first attempt's write never left; the job came back (delayed, no attempt used) and
    // the second one wrote. (Locks still busy when it came back would delay it once more.)
    expect(outcomes[0]).toBe('delayed');
    expect(outcomes.at(-1)).toBe('done');
    expect(outcomes).not.toContain('failed');
    expect(attempts).toBe(2);
    expect(received.slice(before)).toEqual(['POST /customers/42']);
  });
});
