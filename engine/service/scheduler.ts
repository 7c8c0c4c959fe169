/**
 * Runs every mapping on its schedule and does its webhook work, one worker per mapping.
 *
 * - A worker polls (incremental run) every `poll` and reconciles (full run: complete
 *   listings, which catch missed webhooks, stock-only changes and deletes) every
 *   `reconcile`. Both count from the end of the previous run, so a slow run never makes
 *   runs pile up.
 * - Everything a worker does happens under its mapping's lock set (a KeyedMutex over mapping names):
 *   runs of one mapping never overlap, and webhook records wait for the current run and are
 *   done before the next one (they are cheap and people are watching for them).
 * - At start, a mapping whose `$link`s look records up in another (orders → products) waits
 *   for that one's first run, so that a backfill does not fail every order whose product is
 *   not linked yet (first-run-waits.ts). After that, different mappings run concurrently;
 *   they share the process-wide rate limiters of the Runtime, so together they stay within
 *   PowerOffice's 10 requests per second.
 * - `stop()` aborts in-flight work through its AbortSignal (the engine finishes or safely
 *   abandons the record in hand) and resolves when every worker has returned.
 */
import type { Logger } from 'pino';
import type { KeyedMutex } from '../sync/keyed-mutex.ts';
import { firstRunWaits } from './first-run-waits.ts';
import type { MappingInfo, RunMode, RunResult, ServiceEngine, WorkItem } from './ports.ts';
import { type ServiceSettings, scheduleFor } from './settings.ts';
import type { WorkQueue } from './work-queue.ts';

export interface LastRun {
  mode: RunMode;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  status: RunResult['status'];
  counts: Record<string, number>;
  error?: string;
  errors?: RunResult['errors'];
  authFailedSystem?: string;
}

/** What the scheduler keeps about one mapping (not the link store's MappingState). */
export interface ScheduledMapping {
  name: string;
  paused: boolean;
  /** What the worker is doing now. */
  activity: 'idle' | 'waiting' | 'run' | 'records' | 'admin';
  current?: { kind: 'run' | 'records' | 'admin'; mode?: RunMode; startedAt: Date };
  lastRun?: LastRun;
  lastSuccessAt?: Date;
  /** Consecutive runs that ended `failed`. */
  failures: number;
  nextPollAt: Date;
  nextReconcileAt: Date;
  pollMs: number;
  reconcileMs: number;
}

export interface SchedulerObserver {
  runStarted?(mapping: string, mode: RunMode): void;
  runFinished?(mapping: string, run: LastRun): void;
  itemFailed?(item: WorkItem, error: unknown): void;
  itemDone?(item: WorkItem): void;
}

export interface SchedulerOptions {
  engine: ServiceEngine;
  locks: KeyedMutex;
  queue: WorkQueue;
  settings: ServiceSettings;
  logger: Logger;
  observer?: SchedulerObserver;
  /** Start with the first run of every mapping right away (default true). */
  runAtStart?: boolean;
}

export class Scheduler {
  private readonly workers = new Map<string, MappingWorker>();
  private readonly stopController = new AbortController();
  private started = false;

  constructor(options: SchedulerOptions) {
    const waits = firstRunWaits(options.engine.mappings);
    const firstRunOf = (name: string) => this.workers.get(name)?.firstRun ?? Promise.resolve();
    for (const mapping of options.engine.mappings) {
      const before = () => Promise.all((waits.get(mapping.name) ?? []).map(firstRunOf)).then(() => {});
      this.workers.set(mapping.name, new MappingWorker(mapping, options, this.stopController.signal, before));
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const worker of this.workers.values()) worker.start();
  }

  /** Wake a mapping's worker (new webhook work). */
  wake(mapping: string): void {
    this.workers.get(mapping)?.wake();
  }

  /** Ask for a run as soon as the mapping is free (`full` wins over `incremental`). */
  requestRun(mapping: string, mode: RunMode): void {
    this.worker(mapping).requestRun(mode);
  }

  pause(mapping: string): void {
    this.worker(mapping).pause();
  }

  resume(mapping: string): void {
    this.worker(mapping).resume();
  }

  /** Run `fn` under the mapping's lock set (admin actions such as a retry). */
  exclusive<T>(mapping: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.worker(mapping).exclusive(fn);
  }

  has(mapping: string): boolean {
    return this.workers.has(mapping);
  }

  states(): ScheduledMapping[] {
    return [...this.workers.values()].map((w) => w.snapshot());
  }

  state(mapping: string): ScheduledMapping {
    return this.worker(mapping).snapshot();
  }

  /** Stop scheduling, abort in-flight work, and resolve when every worker has returned. */
  async stop(): Promise<void> {
    this.stopController.abort(new Error('service shutting down'));
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
  }

  private worker(mapping: string): MappingWorker {
    const worker = this.workers.get(mapping);
    if (!worker) throw new Error(`unknown mapping "${mapping}"`);
    return worker;
  }
}

class MappingWorker {
  /** Settles when the first run has finished (whatever its status), or the worker is paused or stopped. */
  readonly firstRun: Promise<void>;
  private settleFirstRun!: () => void;
  private readonly state: ScheduledMapping;
  private readonly lockSet: string[];
  private requested: RunMode | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pauseController = new AbortController();
  private readonly admin = new Set<Promise<unknown>>();

  constructor(
    private readonly mapping: MappingInfo,
    private readonly options: SchedulerOptions,
    private readonly stopSignal: AbortSignal,
    /** Resolves when the mappings this one looks records up in have had their first run. */
    private readonly dependenciesStarted: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.firstRun = new Promise((resolve) => {
      this.settleFirstRun = resolve;
    });
    const schedule = scheduleFor(options.settings, mapping.name);
    const now = Date.now();
    this.state = {
      name: mapping.name,
      paused: false,
      activity: 'idle',
      failures: 0,
      pollMs: schedule.pollMs,
      reconcileMs: schedule.reconcileMs,
      nextPollAt: new Date(options.runAtStart === false ? now + schedule.pollMs : now),
      nextReconcileAt: new Date(now + schedule.reconcileMs),
    };
    this.lockSet = [mapping.name, ...mapping.locksWith];
  }

  start(): void {
    this.loop ??= (async () => {
      if (this.options.runAtStart !== false) await this.waitForDependencies();
      // A bug must not silently stop a mapping for good: log it and carry on.
      while (!this.stopped) {
        try {
          await this.run();
        } catch (error) {
          this.options.logger.error(
            { err: error, mapping: this.mapping.name },
            'mapping worker failed; restarting it',
          );
          await this.sleep(1000);
        }
      }
    })();
  }

  /** Until the mappings it depends on had their first run, or the service stops. */
  private async waitForDependencies(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      if (this.stopSignal.aborted) resolve();
      this.stopSignal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.state.activity = 'waiting';
    await Promise.race([this.dependenciesStarted(), stopped]);
    this.state.activity = 'idle';
  }

  snapshot(): ScheduledMapping {
    return { ...this.state, current: this.state.current ? { ...this.state.current } : undefined };
  }

  wake(): void {
    this.wakeUp?.();
  }

  requestRun(mode: RunMode): void {
    if (this.requested !== 'full') this.requested = mode;
    this.wake();
  }

  pause(): void {
    if (this.state.paused) return;
    this.state.paused = true;
    this.settleFirstRun(); // a paused mapping holds back no other
    // Stop the run in hand the same safe way a shutdown does.
    this.pauseController.abort(new Error('mapping paused'));
  }

  resume(): void {
    if (!this.state.paused) return;
    this.state.paused = false;
    this.pauseController = new AbortController();
    this.wake();
  }

  async exclusive<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.stopped) throw new Error('service is shutting down');
    const job = (async () => {
      const release = await this.options.locks.acquire(this.lockSet);
      const previous = this.state.current;
      this.state.current = { kind: 'admin', startedAt: new Date() };
      try {
        return await fn(this.signal());
      } finally {
        this.state.current = previous;
        release();
      }
    })();
    this.admin.add(job);
    try {
      return await job;
    } finally {
      this.admin.delete(job);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.settleFirstRun();
    this.wake();
    await Promise.allSettled([this.loop, ...this.admin]);
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.stopSignal, this.pauseController.signal]);
  }

  private dueRun(now: number): RunMode | undefined {
    if (this.requested) return this.requested;
    if (now >= this.state.nextReconcileAt.getTime()) return 'full';
    if (now >= this.state.nextPollAt.getTime()) return 'incremental';
    return undefined;
  }

  private async run(): Promise<void> {
    const { queue, locks } = this.options;
    while (!this.stopped) {
      const now = Date.now();
      const hasItems = queue.size(this.mapping.name) > 0;
      const due = this.dueRun(now);
      if (this.state.paused || (!hasItems && !due)) {
        const until = Math.min(this.state.nextPollAt.getTime(), this.state.nextReconcileAt.getTime());
        await this.sleep(this.state.paused ? 60_000 : Math.max(0, until - now));
        continue;
      }
      this.state.activity = 'waiting';
      const release = await locks.acquire(this.lockSet);
      try {
        if (this.stopped || this.state.paused) continue;
        await this.drainItems();
        const mode = this.dueRun(Date.now());
        if (mode && !this.stopped && !this.state.paused) await this.runOnce(mode);
      } finally {
        this.state.activity = 'idle';
        this.state.current = undefined;
        release();
      }
    }
  }

  private async drainItems(): Promise<void> {
    const { queue, engine, observer, logger } = this.options;
    let item = queue.take(this.mapping.name);
    if (!item) return;
    this.state.activity = 'records';
    this.state.current = { kind: 'records', startedAt: new Date() };
    while (item) {
      try {
        await engine.syncRecord(item, this.signal());
        observer?.itemDone?.(item);
      } catch (error) {
        logger.warn({ err: error, mapping: item.mapping, id: item.id }, 'webhook record sync failed');
        observer?.itemFailed?.(item, error);
      }
      if (this.stopped || this.state.paused) return;
      item = queue.take(this.mapping.name);
    }
  }

  private async runOnce(mode: RunMode): Promise<void> {
    const { engine, observer, logger } = this.options;
    this.requested = undefined;
    const startedAt = new Date();
    this.state.activity = 'run';
    this.state.current = { kind: 'run', mode, startedAt };
    observer?.runStarted?.(this.mapping.name, mode);
    let result: RunResult;
    try {
      result = await engine.run({ mapping: this.mapping.name, mode, signal: this.signal() });
    } catch (error) {
      result = {
        status: this.stopped || this.state.paused ? 'aborted' : 'failed',
        counts: {},
        error: error instanceof Error ? error.message : String(error),
      };
    }
    const finishedAt = new Date();
    const run: LastRun = {
      mode,
      startedAt,
      finishedAt,
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      status: result.status,
      counts: result.counts,
      ...(result.error ? { error: result.error } : {}),
      ...(result.errors ? { errors: result.errors } : {}),
      ...(result.authFailedSystem ? { authFailedSystem: result.authFailedSystem } : {}),
    };
    this.state.lastRun = run;
    if (result.status === 'ok') {
      this.state.lastSuccessAt = finishedAt;
      this.state.failures = 0;
    } else if (result.status === 'failed') {
      this.state.failures++;
      logger.warn({ mapping: this.mapping.name, mode, error: result.error }, 'run failed');
    }
    logger.debug({ mapping: this.mapping.name, ...run }, 'run finished');
    const end = finishedAt.getTime();
    this.state.nextPollAt = new Date(end + this.state.pollMs);
    if (mode === 'full') {
      // A failed reconciliation is tried again at the next poll, not in a tight loop.
      this.state.nextReconcileAt = new Date(
        end + (result.status === 'ok' ? this.state.reconcileMs : this.state.pollMs),
      );
    }
    observer?.runFinished?.(this.mapping.name, run);
    this.settleFirstRun();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.min(ms, 2_147_483_647));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}
