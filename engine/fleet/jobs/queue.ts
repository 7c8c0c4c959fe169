/**
 * The fleet's job queue: one BullMQ queue on the fleet's Redis. `add` resolves once the job
 * is in Redis (the web role answers a webhook only then). Coalescing comes from the ids
 * (job.ts): a job whose id is waiting is not added twice. A job that is *running* is not
 * coalesced with — it may already have read the record past the change this delivery
 * announces — so a follow-up job is queued (itself coalescing), as the single process's
 * work queue does.
 *
 * Finished jobs are removed at once (their outcome is in the store: links, failed records),
 * so an id is free again for the record's next change.
 *
 * BullMQ 5 brings its own ioredis 5 (main's `ioredis` is 6): it gets connection options
 * made from the Redis URL, never one of our clients.
 */
import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import { type FleetJob, followUpIdOf, jobIdOf, priorityOf, QUEUE_PRIORITY, type RunJob } from './job.ts';

export const QUEUE_NAME = 'jobs';

export interface QueueLocation {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  redis: string;
  /** BullMQ key prefix (default `mapsync`; tests use one of their own). */
  prefix?: string;
}

export type AddOutcome = 'queued' | 'coalesced' | 'follow-up';

/** BullMQ connection options from a Redis URL (its workers need `maxRetriesPerRequest: null`). */
export function bullConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error('the Redis URL must start with redis:// or rediss://');
  }
  const db = Number(url.pathname.replace(/^\//, '') || 0);
  return {
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** How every job is kept and retried: infrastructure failures (store, Redis, locks) retry. */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: true,
};

export class FleetQueue {
  readonly queue: Queue;

  constructor(readonly location: QueueLocation) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: bullConnection(location.redis),
      prefix: location.prefix ?? 'mapsync',
      defaultJobOptions: JOB_OPTIONS,
    });
    // Reported per call (add rejects); without a listener an 'error' event would be fatal.
    this.queue.on('error', () => {});
  }

  /** Put a job in Redis; resolves once it is there. */
  async add(job: FleetJob): Promise<AddOutcome> {
    const id = jobIdOf(job);
    const existing = await this.queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state === 'active') {
        const again = await this.queue.getJob(followUpIdOf(job));
        if (again && (await again.getState()) !== 'active') return 'coalesced';
        await this.put(job, followUpIdOf(job));
        return 'follow-up';
      }
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return 'coalesced';
      // Kept by someone's settings: the id must be free for this change.
      await existing.remove().catch(() => {});
    }
    await this.put(job, id);
    return 'queued';
  }

  /** Whether the job (or its follow-up) is queued or running: not finished yet. */
  async pending(job: FleetJob): Promise<boolean> {
    for (const id of [jobIdOf(job), followUpIdOf(job)]) {
      const state = await this.queue.getJobState(id);
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return true;
    }
    return false;
  }

  /**
   * A repeatable job (the scheduler role): one BullMQ job scheduler per id, so several
   * schedulers upserting the same schedule keep one.
   */
  async schedule(job: RunJob, everyMs: number): Promise<void> {
    await this.queue.upsertJobScheduler(
      jobIdOf(job),
      { every: everyMs },
      { name: job.kind, data: job, opts: { ...JOB_OPTIONS, priority: QUEUE_PRIORITY[priorityOf(job)] } },
    );
  }

  /** Schedules whose id is not in `keep` (a removed tenant or mapping) are removed. */
  async pruneSchedules(keep: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
      const id = scheduler.key;
      if (keep.has(id)) continue;
      if (await this.queue.removeJobScheduler(id)) removed++;
    }
    return removed;
  }

  /**
   * Calls `fn` each time the connection to Redis is ready again after it was lost: a Redis
   * that restarted may have come back empty (it keeps nothing on disk here).
   */
  onReconnect(fn: () => void): void {
    this.queue.client.then((client) => client.on('ready', fn)).catch(() => {});
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async put(job: FleetJob, jobId: string): Promise<void> {
    await this.queue.add(job.kind, job, { jobId, priority: QUEUE_PRIORITY[priorityOf(job)] });
  }
}
