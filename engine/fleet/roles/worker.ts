/**
 * The worker role: runs the fleet's jobs for any tenant. For each job it takes the locks
 * (its mapping's lock set — the same units today's single process locks together, so runs
 * and record work of one mapping never overlap and two never create the same record — plus,
 * for a record job, the record's own lock), runs the job inside `work.run` with the job's
 * priority and the locks' fencing tokens, and releases them.
 *
 * SIGKILL-safe: BullMQ keeps a job active only while its worker renews the job's lock; a
 * killed worker's jobs are found stalled by the others and run again (up to MAX_STALLS
 * times). The engine's creates are crash-safe (intent before the call, resolved through the
 * identity guard), so the rerun creates nothing twice. A job whose locks are busy is moved
 * back to the delayed set without using up an attempt.
 */
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { ConfigError } from '../../errors.ts';
import type { RunResult } from '../../service/ports.ts';
import { type FleetJob, parseJob, priorityOf } from '../jobs/job.ts';
import { bullConnection, FleetQueue, QUEUE_NAME, type QueueLocation } from '../jobs/queue.ts';
import { LockBusyError, type Locks } from '../locks/locks.ts';
import type { FleetMetrics, JobOutcome } from '../observe/fleet-metrics.ts';
import type { JobBoard, LastJob } from '../observe/job-board.ts';
import type { WorkContext } from '../work-context.ts';
import { runBlockedBy } from './run-order.ts';
import type { TenantEngine, TenantEngines } from './tenant-engines.ts';

/**
 * How often BullMQ may find one job stalled before it fails it for good (and, finished jobs
 * being removed, drops it). A job stalls when the worker running it dies (SIGKILL, out of
 * memory, a lost host): not the job's own fault. A tenant's backfill runs for minutes, so
 * every worker death in that time stalls it once more; with a limit of 5, the 30 kills of
 * the full fleet-sigkill chaos run dropped backfills and left their records missing for
 * good. Running a job again is safe (creates are crash-safe), so the bound is only there to
 * stop a job that itself kills every worker that takes it.
 */
export const MAX_STALLS = 50;

/** BullMQ's reason for a job it failed for stalling more than `maxStalledCount` times. */
const STALLED_TOO_OFTEN = /stalled more than allowable limit/;

export interface WorkerRoleOptions {
  queue: QueueLocation;
  engines: TenantEngines;
  locks: Locks;
  work: WorkContext;
  logger: Logger;
  /** Jobs run at once by this process (default 4). */
  concurrency?: number;
  /** How long BullMQ keeps a job of a silent worker before another takes it (default 30 s). */
  stallMs?: number;
  /** How often one job may stall before BullMQ drops it (default MAX_STALLS; tests lower it). */
  maxStalls?: number;
  /** How long a job waits for busy locks before it is delayed (default 2 s). */
  lockWaitMs?: number;
  /** Called after each job (tests). */
  onJob?(job: FleetJob, outcome: JobOutcome, detail?: string): void;
  /** Per-tenant job counts and durations. */
  metrics?: FleetMetrics;
  /** Where the status pages read each tenant's last jobs. */
  board?: JobBoard;
}

/** Lock names: one per unit of the tenant, one per record (fence keys name the tenant). */
export function lockNamesOf(job: FleetJob, engine: Pick<TenantEngine, 'units'>): string[] {
  const unit = engine.units.find((u) => u.name === job.mapping);
  if (!unit) throw new UnrecoverableError(`tenant ${job.tenant} has no mapping ${job.mapping}`);
  const names = [unit.name, ...unit.locksWith].map((u) => `${job.tenant}/${u}`);
  if (job.kind === 'record')
    names.push(`${job.tenant}/${job.mapping}/${job.side}/${encodeURIComponent(job.id)}`);
  return names;
}

export function startWorkerRole(options: WorkerRoleOptions): { worker: Worker; close(): Promise<void> } {
  const stallMs = options.stallMs ?? 30_000;
  // Looks up the jobs a full run waits for (run-order.ts).
  const lookup = new FleetQueue(options.queue);
  const worker = new Worker(QUEUE_NAME, (job, token) => processJob(options, lookup, job, token), {
    connection: bullConnection(options.queue.redis),
    prefix: options.queue.prefix ?? 'mapsync',
    concurrency: options.concurrency ?? 4,
    lockDuration: stallMs,
    stalledInterval: Math.max(1000, Math.floor(stallMs / 2)),
    maxStalledCount: options.maxStalls ?? MAX_STALLS,
  });
  worker.on('error', (error) => options.logger.warn({ err: error }, 'job queue: Redis error'));
  worker.on('stalled', (id) =>
    options.logger.warn({ job: id }, 'job stalled (its worker stopped): running it again'),
  );
  // The next worker to take a job stalled too often fails it at once: never silently.
  worker.on('failed', (raw, error) => {
    if (raw && STALLED_TOO_OFTEN.test(error.message)) reportDropped(options, raw);
  });
  const idle = setInterval(() => void options.engines.dropIdle().catch(() => {}), 60_000);
  idle.unref();
  return {
    worker,
    async close() {
      clearInterval(idle);
      // Waits for running jobs; a job cut short by a kill is taken by another worker.
      await worker.close();
      await lookup.close();
    },
  };
}

async function processJob(
  options: WorkerRoleOptions,
  lookup: FleetQueue,
  raw: Job,
  token: string | undefined,
): Promise<void> {
  let job: FleetJob;
  try {
    job = parseJob(raw.data);
  } catch (error) {
    throw new UnrecoverableError((error as Error).message);
  }
  let engine: TenantEngine;
  try {
    engine = await options.engines.get(job.tenant);
  } catch (error) {
    // A removed tenant or a master key that cannot open its secrets will not heal by retrying.
    if (error instanceof ConfigError) throw new UnrecoverableError(`${error.code}: ${error.message}`);
    throw error;
  }
  try {
    await runJob(options, lookup, raw, token, job, engine);
  } finally {
    // The engine may be closed to make room for others once no job runs on it.
    options.engines.release(engine);
  }
}

async function runJob(
  options: WorkerRoleOptions,
  lookup: FleetQueue,
  raw: Job,
  token: string | undefined,
  job: FleetJob,
  engine: TenantEngine,
): Promise<void> {
  // Back to the delayed set for 0.5-1.5 s, without using an attempt.
  const delay = async (why: string): Promise<never> => {
    options.onJob?.(job, 'delayed', why);
    options.metrics?.job(job.tenant, job.kind, 'delayed', 0);
    await raw.moveToDelayed(Date.now() + 500 + Math.floor(Math.random() * 1000), token);
    throw new DelayedError();
  };
  // A full run waits for the backfills of the units its records wait on (run-order.ts).
  const before = token ? await runBlockedBy(lookup, job, engine.waits) : undefined;
  if (before) await delay(`waits for ${before}`);
  let lease: Awaited<ReturnType<Locks['acquire']>>;
  try {
    lease = await options.locks.acquire(lockNamesOf(job, engine), { waitMs: options.lockWaitMs ?? 2000 });
  } catch (error) {
    if (!(error instanceof LockBusyError) || !token) throw error;
    return delay('locks busy');
  }
  const started = Date.now();
  const report = (outcome: JobOutcome, result?: RunResult, error?: unknown) => {
    const durationMs = Date.now() - started;
    options.metrics?.job(job.tenant, job.kind, outcome, durationMs);
    if (outcome === 'delayed' || !options.board) return;
    const last: LastJob = {
      kind: job.kind,
      outcome: outcome === 'done' && result?.status !== 'failed' ? 'done' : 'failed',
      at: new Date().toISOString(),
      durationMs,
      ...(result && Object.keys(result.counts).length > 0 ? { counts: result.counts } : {}),
      ...(result?.errors?.length
        ? { codes: [...new Set(result.errors.map((e) => e.code))] }
        : error
          ? { codes: [codeOf(error)] }
          : {}),
    };
    // The board is for people: a Redis hiccup here must not fail a job that is done.
    options.board.record(job.tenant, job.mapping, last).catch(() => {});
  };
  // Aborted by the write guard when a write finds the locks lost (write-guard.ts).
  const stop = new AbortController();
  let lost = false;
  try {
    const result = await options.work.run({ priority: priorityOf(job), fences: lease.fences, stop }, () =>
      execute(engine, job, AbortSignal.any([lease.lost, stop.signal])),
    );
    lost = stop.signal.aborted;
    if (!lost) {
      options.onJob?.(job, 'done');
      report('done', result);
    }
  } catch (error) {
    lost = stop.signal.aborted;
    if (!lost) {
      options.onJob?.(job, 'failed', (error as Error).message);
      report('failed', undefined, error);
      throw error;
    }
  } finally {
    await lease.release();
  }
  if (!lost) return;
  // A write found the locks gone (another worker holds them now, or Redis forgot them):
  // nothing more was sent; the job runs again once it can take them anew.
  if (!token) throw new Error(`job of ${job.mapping} lost its locks before a write: run it again`);
  options.logger.warn({ tenant: job.tenant, mapping: job.mapping, kind: job.kind }, 'job lost its locks');
  return delay('lost its locks before a write');
}

/** A job BullMQ dropped for stalling: an error in the log, the metric and the job board. */
function reportDropped(options: WorkerRoleOptions, raw: Job): void {
  let job: FleetJob | undefined;
  try {
    job = parseJob(raw.data);
  } catch {
    // Not one of ours: the log line below still names its id.
  }
  options.logger.error(
    { job: raw.id, tenant: job?.tenant, mapping: job?.mapping, kind: job?.kind, stalls: raw.stalledCounter },
    'job dropped: stalled more often than allowed (its workers died while running it); ' +
      'its work waits for the next poll, reconciliation or backfill',
  );
  if (!job) return;
  options.onJob?.(job, 'dropped');
  options.metrics?.job(job.tenant, job.kind, 'dropped', 0);
  options.board
    ?.record(job.tenant, job.mapping, {
      kind: job.kind,
      outcome: 'failed',
      at: new Date().toISOString(),
      durationMs: 0,
      codes: ['JOB_STALLED'],
    })
    .catch(() => {});
}

/** A code for the board (never a message, which may quote values). */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  return error instanceof Error ? error.name : 'Error';
}

async function execute(
  engine: TenantEngine,
  job: FleetJob,
  signal: AbortSignal,
): Promise<RunResult | undefined> {
  const port = engine.port;
  let result: RunResult | undefined;
  switch (job.kind) {
    case 'record':
      await port.syncRecord(
        { mapping: job.mapping, side: job.side, id: job.id, reason: 'webhook', event: job.event },
        signal,
      );
      return undefined;
    case 'poll':
      result = await port.run({ mapping: job.mapping, mode: 'incremental', signal });
      break;
    case 'reconcile':
    case 'backfill':
      result = await port.run({ mapping: job.mapping, mode: 'full', signal });
      break;
    case 'retry': {
      const { retried, succeeded } = await port.retryFailed(job.mapping, job.id, signal);
      return { status: 'ok', counts: { retried, succeeded } };
    }
  }
  // A run the store stopped (down, or a write refused because the lock was lost) is run
  // again by BullMQ; record failures are the engine's own (failed records, retried later).
  if (result.errors?.some((e) => e.code === 'STORE_UNAVAILABLE') || result.status === 'aborted') {
    throw new Error(`run of ${job.mapping} stopped: ${result.error ?? result.status}`);
  }
  return result;
}
