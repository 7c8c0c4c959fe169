/**
 * The fleet's job model and queue against the real Redis: ids from content (repeated
 * webhooks coalesce, a delete keeps its own job), a follow-up while the job runs, priorities
 * (interactive before reconcile before backfill), schedules that several schedulers upsert
 * once. Each test has its own BullMQ prefix and obliterates its queue afterwards.
 */
import { type Job, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { type FleetJob, jobIdOf, parseJob, priorityOf, type RecordJob } from '../../engine/fleet/jobs/job.ts';
import { bullConnection, FleetQueue, QUEUE_NAME } from '../../engine/fleet/jobs/queue.ts';
import { REDIS_URL, redisMissing, uniqueName } from '../services.ts';

const record = (over: Partial<RecordJob> = {}): RecordJob => ({
  v: 1,
  kind: 'record',
  tenant: 'shop-1',
  mapping: 'customer-person',
  side: 'source',
  id: '42',
  event: 'updated',
  ...over,
});

describe('job ids and parsing', () => {
  it('derives ids from the content: equal jobs share one, a delete has its own, no ":"', () => {
    expect(jobIdOf(record())).toBe(jobIdOf(record({ event: 'created' })));
    expect(jobIdOf(record())).not.toBe(jobIdOf(record({ event: 'deleted' })));
    expect(jobIdOf(record())).not.toBe(jobIdOf(record({ tenant: 'shop-2' })));
    expect(jobIdOf(record({ id: 'a:b/c' }))).not.toContain(':');
    expect(jobIdOf(record({ id: 'a/b' }))).not.toBe(jobIdOf(record({ id: 'a', side: 'source' })));
    expect(jobIdOf(record({ id: 'x'.repeat(500) })).length).toBeLessThan(100);
    expect(priorityOf(record())).toBe('interactive');
    expect(priorityOf({ v: 1, kind: 'backfill', tenant: 't', mapping: 'm' })).toBe('backfill');
  });

  it('refuses what is not a job (a tampered or foreign Redis entry)', () => {
    expect(parseJob(JSON.parse(JSON.stringify(record())))).toEqual(record());
    expect(() => parseJob({ ...record(), tenant: 'Bad.Tenant' })).toThrow(/bad tenant/);
    expect(() => parseJob({ ...record(), kind: 'explode' })).toThrow(/unknown kind/);
    expect(() => parseJob({ ...record(), side: 'left' })).toThrow(/bad side/);
    expect(() => parseJob(null)).toThrow(/not an object/);
  });
});

const missing = await redisMissing();

describe.skipIf(missing !== undefined)('the job queue on Redis', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });

  const open = (prefix: string) => {
    const queue = new FleetQueue({ redis: REDIS_URL, prefix });
    cleanup.push(() => queue.close());
    return queue;
  };
  const fresh = () => {
    const prefix = uniqueName('mapsync-test');
    const queue = open(prefix);
    cleanup.push(() => queue.queue.obliterate({ force: true }));
    return { prefix, queue };
  };
  const worker = (prefix: string, process: (job: Job) => Promise<void>, autorun = true) => {
    const w = new Worker(QUEUE_NAME, process, {
      connection: bullConnection(REDIS_URL),
      prefix,
      concurrency: 1,
      autorun,
    });
    w.on('error', () => {});
    cleanup.push(() => w.close());
    return w;
  };

  it('coalesces repeated webhooks into one waiting job, keeps a delete apart', async () => {
    const { queue } = fresh();
    expect(await queue.add(record())).toBe('queued');
    expect(await queue.add(record())).toBe('coalesced');
    expect(await queue.add(record({ event: 'created' }))).toBe('coalesced');
    expect(await queue.add(record({ event: 'deleted' }))).toBe('queued');
    expect(await queue.add(record({ tenant: 'shop-2' }))).toBe('queued');
    expect(await queue.queue.getJobCountByTypes('prioritized', 'waiting')).toBe(3);
    const job = await queue.queue.getJob(jobIdOf(record()));
    expect(parseJob(job!.data)).toEqual(record());
  });

  it('queues a follow-up when the job is running, and frees the id once it finished', async () => {
    const { prefix, queue } = fresh();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    cleanup.push(async () => release());
    const started: string[] = [];
    const done: string[] = [];
    worker(prefix, async (job) => {
      started.push(job.id!);
      if (started.length === 1) await held;
      done.push(job.id!);
    });
    expect(await queue.add(record())).toBe('queued');
    await expect.poll(() => started.length, { timeout: 20_000 }).toBe(1);
    expect(await queue.add(record())).toBe('follow-up');
    expect(await queue.add(record())).toBe('coalesced');
    release();
    await expect.poll(() => done.length, { timeout: 20_000 }).toBe(2);
    expect(done).toEqual([jobIdOf(record()), `${jobIdOf(record())}/again`]);
    // Finished jobs are removed: the record's next change is a new job.
    expect(await queue.queue.getJob(jobIdOf(record()))).toBeUndefined();
    expect(await queue.add(record())).toBe('queued');
  });

  it('runs interactive work before reconciliation before backfills', async () => {
    const { prefix, queue } = fresh();
    const jobs: FleetJob[] = [
      { v: 1, kind: 'backfill', tenant: 'shop-1', mapping: 'salesorder' },
      { v: 1, kind: 'reconcile', tenant: 'shop-2', mapping: 'customer-person' },
      record({ tenant: 'shop-3' }),
      { v: 1, kind: 'backfill', tenant: 'shop-2', mapping: 'salesorder' },
      { v: 1, kind: 'retry', tenant: 'shop-2', mapping: 'salesorder', id: '7' },
    ];
    for (const job of jobs) await queue.add(job);
    const order: string[] = [];
    worker(prefix, async (job) => {
      order.push(`${job.data.kind}:${job.data.tenant}`);
    });
    await expect.poll(() => order.length, { timeout: 20_000 }).toBe(5);
    expect(order.slice(0, 2).sort()).toEqual(['record:shop-3', 'retry:shop-2']);
    expect(order[2]).toBe('reconcile:shop-2');
    expect(order.slice(3).sort()).toEqual(['backfill:shop-1', 'backfill:shop-2']);
  });

  it('keeps one schedule however many schedulers upsert it, and prunes the ones not kept', async () => {
    const { prefix, queue } = fresh();
    const other = open(prefix);
    const poll = { v: 1, kind: 'poll', tenant: 'shop-1', mapping: 'customer-person' } as const;
    const gone = { v: 1, kind: 'poll', tenant: 'shop-9', mapping: 'customer-person' } as const;
    await Promise.all([
      queue.schedule(poll, 60_000),
      other.schedule(poll, 60_000),
      queue.schedule(gone, 60_000),
    ]);
    await other.schedule(poll, 60_000);
    expect((await queue.queue.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual(
      [jobIdOf(gone), jobIdOf(poll)].sort(),
    );
    expect(await other.pruneSchedules(new Set([jobIdOf(poll)]))).toBe(1);
    expect((await queue.queue.getJobSchedulers(0, -1)).map((s) => s.key)).toEqual([jobIdOf(poll)]);
  });
});
