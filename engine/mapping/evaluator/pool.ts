/**
 * Evaluation off the main thread, with a hard time limit that holds even inside one long
 * built-in call (JSONata's own limit is only checked between steps). A small pool of worker
 * threads; each evaluates one job at a time (one record-level operation: every computed
 * property of a record). When an item runs longer than `hardTimeoutMs` in one stretch, the
 * pool terminates that worker, fails only that job with MAP_EVAL_TIMEOUT naming the
 * expression's file and line, starts a fresh worker, and the queue goes on. The main thread
 * never runs mapping code, so health checks, webhooks and SIGTERM are served whatever a
 * mapping does.
 *
 * An evaluation whose context's `signal` aborts (its run stopped: a shutdown, a pause) does
 * not run on to its limit: taken out of the queue, or its worker terminated and replaced,
 * it rejects with EvaluationInterrupted at once.
 *
 * `$link` needs the link store and may create the linked record, so it is answered here on
 * the main thread with a "links needed" round trip (protocol.ts): a worker never waits for
 * the main thread, no worker is held while a linked record is created (which may itself
 * need a worker: no deadlock with a small pool), and time spent resolving links does not
 * count against the limit. Answers are kept per record (every evaluation sharing the
 * record's `link` resolver, children included), on top of the engine's per-run link cache.
 *
 * Owned by a composition root (`mapsync serve`, `sync`, `test`, a test) and closed by it.
 */
import { AsyncResource } from 'node:async_hooks';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { EvaluationInterrupted, MapsyncError } from '../../errors.ts';
import type { CompiledExpression, EvaluationContext } from '../model.ts';
import { closedError, fetchAnswer, listening, pick, stopped } from './pool-support.ts';
import { type EvalMessage, Progress, type WireItem, type WorkerMessage } from './protocol.ts';
import { type EvalItem, type ExpressionRunner, fetchOf, linkKey } from './runner.ts';
import { ceilingMessage, hardLimitMessage, StretchClock } from './stretch-clock.ts';

export const DEFAULT_HARD_TIMEOUT_MS = 2000;
/** Longest `warm` waits for its workers to be ready. */
const WARM_LIMIT_MS = 15_000;

export interface EvaluatorPoolOptions {
  /**
   * Worker threads at most (default: cores − 1, from 1 to 4), started one at a time as work
   * waits. One is plenty for throughput (an order's expressions take about a millisecond);
   * a service wants two, so one stuck record never stalls the others for the whole limit.
   */
  size?: number;
  /**
   * Longest one expression may run in one uninterrupted stretch before its worker is killed:
   * time it had the machine, so a starved worker is not stopped early (stretch-clock.ts).
   */
  hardTimeoutMs?: number;
  /** Longest a stretch may take on the wall clock, however busy the machine (default 10 × the limit). */
  hardCeilingMs?: number;
  /** The process's CPU time in ms (tests simulate a starved machine with it). */
  cpuClock?: () => number;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

interface Job {
  items: readonly EvalItem[];
  ctx: EvaluationContext;
  /** Items before `from` are done (their values are in `values`). */
  from: number;
  values: unknown[];
  /** `$link` answers of this record: the answer, and whether it may be kept for the run. */
  answers: Map<string, [unknown, boolean]>;
  resolve(values: unknown[]): void;
  reject(error: unknown): void;
  /**
   * Runs `fn` in the async context of the caller of `evaluate`: a `$link` answer (which may
   * write the store) keeps the caller's AsyncLocalStorage (a fleet job's fencing tokens),
   * not that of the worker's message event.
   */
  inCallerContext<T>(fn: () => T): T;
  /** Set when its run's signal aborted: the job is settled, a `$link` answer does not requeue it. */
  interrupted?: boolean;
}

interface Slot {
  worker: Worker;
  progress: Progress;
  ready: boolean;
  /** Expression ids this worker has compiled. */
  known: Set<number>;
  job?: Job;
  timer?: NodeJS.Timeout;
  clock: StretchClock;
}

const HERE = import.meta.url;
const FROM_SOURCE = HERE.endsWith('.ts');

export class EvaluatorPool implements ExpressionRunner {
  readonly size: number;
  readonly hardTimeoutMs: number;
  readonly hardCeilingMs: number;
  private readonly cpuClock: (() => number) | undefined;
  private readonly logger: EvaluatorPoolOptions['logger'];
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly ids = new WeakMap<CompiledExpression, number>();
  /** `$link` answers per record, keyed by the record's resolver (shared by its children). */
  private readonly answersByResolver = new WeakMap<
    EvaluationContext['link'],
    Map<string, [unknown, boolean]>
  >();
  private readonly scopeIds = new WeakMap<object, number>();
  private nextId = 1;
  private nextJob = 1;
  private closed = false;
  /** Callers of `warm` waiting for the workers to be ready. */
  private readonly warmed: Array<() => void> = [];

  constructor(options: EvaluatorPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? defaultPoolSize());
    this.hardTimeoutMs = options.hardTimeoutMs ?? DEFAULT_HARD_TIMEOUT_MS;
    this.hardCeilingMs = Math.max(this.hardTimeoutMs, options.hardCeilingMs ?? 10 * this.hardTimeoutMs);
    this.cpuClock = options.cpuClock;
    this.logger = options.logger;
  }

  evaluate(items: readonly EvalItem[], ctx: EvaluationContext): Promise<unknown[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.reject(closedError());
    const signal = ctx.signal;
    if (signal?.aborted) return Promise.reject(new EvaluationInterrupted(signal.reason));
    let answers = this.answersByResolver.get(ctx.link);
    if (!answers) {
      answers = new Map();
      this.answersByResolver.set(ctx.link, answers);
    }
    return new Promise((resolve, reject) => {
      const inCallerContext = AsyncResource.bind(<T>(fn: () => T): T => fn());
      const job: Job = { items, ctx, from: 0, values: [], answers, resolve, reject, inCallerContext };
      if (signal)
        Object.assign(
          job,
          listening(signal, () => this.interrupt(job, signal.reason), job),
        );
      this.queue.push(job);
      this.pump();
    });
  }

  /** Evaluations being run by a worker now. */
  get busy(): number {
    let n = 0;
    for (const slot of this.slots) if (slot.job) n++;
    return n;
  }

  /** The job's run stopped: out of the queue, or its worker terminated (a fresh one starts as needed). */
  private interrupt(job: Job, reason: unknown): void {
    job.interrupted = true;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    for (const slot of this.slots) {
      if (slot.job !== job) continue;
      this.slots.delete(slot);
      clearTimeout(slot.timer);
      slot.job = undefined;
      void slot.worker.terminate();
    }
    job.reject(new EvaluationInterrupted(reason));
    // After every listener of the abort has run: the run's other jobs leave the queue first.
    queueMicrotask(() => this.pump());
  }

  /**
   * Start the workers now rather than on the first evaluation (a service at boot); resolves
   * once none is still starting (ready, or lost: a worker that cannot start fails the
   * evaluations that wait for it, as it would have without warming).
   */
  warm(): Promise<void> {
    while (!this.closed && this.slots.size < this.size) this.spawn();
    return new Promise((resolve) => {
      // Bounded: a worker that neither starts nor fails does not hold a service's start.
      const timer = setTimeout(resolve, WARM_LIMIT_MS).unref();
      this.warmed.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.settleWarm();
    });
  }

  private settleWarm(): void {
    if (this.warmed.length === 0 || [...this.slots].some((slot) => !slot.ready)) return;
    for (const resolve of this.warmed.splice(0)) resolve();
  }

  /** Terminate every worker; queued and running evaluations reject. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(closedError());
    const slots = [...this.slots];
    this.slots.clear();
    this.settleWarm();
    for (const slot of slots) {
      clearTimeout(slot.timer);
      slot.job?.reject(closedError());
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const idle = [...this.slots].find((slot) => slot.ready && !slot.job);
      if (!idle) {
        const starting = [...this.slots].some((slot) => !slot.ready);
        if (!starting && this.slots.size < this.size) this.spawn();
        return;
      }
      this.dispatch(idle, this.queue.shift()!);
    }
  }

  private spawn(): void {
    const progress = new Progress(new SharedArrayBuffer(Progress.BYTES));
    const worker = FROM_SOURCE
      ? new Worker(new URL('./worker-bootstrap.mjs', HERE), {
          workerData: { entry: new URL('./worker.ts', HERE).href, progress: progress.buffer },
        })
      : new Worker(new URL('./worker.js', HERE), { workerData: { progress: progress.buffer } });
    const clock = new StretchClock(this.hardTimeoutMs, this.hardCeilingMs, this.cpuClock);
    const slot: Slot = { worker, progress, ready: false, known: new Set(), clock };
    this.slots.add(slot);
    worker.on('message', (message: WorkerMessage) => this.receive(slot, message));
    worker.on('error', (error) => this.lost(slot, error));
    worker.on('exit', (code) => this.lost(slot, new Error(`exited with code ${code}`)));
  }

  private dispatch(slot: Slot, job: Job): void {
    const define: EvalMessage['define'] = [];
    const items: WireItem[] = job.items.slice(job.from).map((item) => {
      const id = this.idOf(item.expression);
      if (!slot.known.has(id)) {
        slot.known.add(id);
        define.push([id, item.expression.spec]);
      }
      return {
        id,
        input: item.input,
        bindings: pick(item.bindings ?? job.ctx.bindings, item.expression.reads),
      };
    });
    const message: EvalMessage = {
      kind: 'eval',
      job: this.nextJob++,
      define,
      items,
      answers: [...job.answers].map(([k, [answer, keep]]) => [k, answer, keep]),
      ...this.scopeOf(job),
    };
    slot.job = job;
    slot.progress.mark(0);
    slot.clock.start();
    try {
      slot.worker.postMessage(message);
    } catch (error) {
      // Data that cannot be copied to a worker (it never comes from a connector's JSON).
      slot.job = undefined;
      job.reject(job.items[job.from]!.expression.failure(error));
      return;
    }
    this.arm(slot, job, this.hardTimeoutMs);
  }

  /**
   * The deadline of a running job. Its timer also keeps the process alive while the job
   * runs: workers are unreferenced once started (ref/unref per job costs more than the
   * evaluation itself), so an idle pool never holds a command open.
   */
  private arm(slot: Slot, job: Job, ms: number): void {
    slot.timer = setTimeout(() => {
      if (slot.job !== job) return;
      const { index, startedAt } = slot.progress.read();
      // Each item restarts the clock: re-arm for the rest of the current item's time.
      const verdict = slot.clock.check(startedAt);
      if ('wait' in verdict) this.arm(slot, job, verdict.wait);
      else this.kill(slot, job, job.items[job.from + index]!.expression, verdict.stop);
    }, ms);
  }

  private kill(slot: Slot, job: Job, expression: CompiledExpression, why: 'limit' | 'ceiling'): void {
    this.slots.delete(slot);
    slot.job = undefined;
    void slot.worker.terminate();
    this.logger?.warn(
      { mapping: expression.mapping, expression: expression.label, limitMs: this.hardTimeoutMs, why },
      'expression stopped at the hard time limit; its worker was replaced',
    );
    const message =
      why === 'limit'
        ? hardLimitMessage(this.hardTimeoutMs)
        : ceilingMessage(this.hardTimeoutMs, this.hardCeilingMs);
    job.reject(stopped(expression, 'MAP_EVAL_TIMEOUT', message));
    this.pump();
  }

  private lost(slot: Slot, error: Error): void {
    if (!this.slots.delete(slot)) return; // killed or closed on purpose
    clearTimeout(slot.timer);
    this.settleWarm();
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      const expression = job.items[job.from + slot.progress.read().index]!.expression;
      job.reject(stopped(expression, 'MAP_EVAL_ERROR', `the evaluation worker stopped: ${error.message}`));
    } else if (!slot.ready) {
      // A worker that cannot even start will not start next time either: fail what waits.
      this.logger?.error({ err: error }, 'an expression evaluation worker could not start');
      const failure = new MapsyncError(
        'EVAL_WORKER_START',
        `evaluation worker could not start: ${error.message}`,
      );
      for (const waiting of this.queue.splice(0)) waiting.reject(failure);
    }
    this.pump();
  }

  private receive(slot: Slot, message: WorkerMessage): void {
    if (message.kind === 'ready') {
      slot.ready = true;
      slot.worker.unref();
      this.settleWarm();
      this.pump();
      return;
    }
    const job = slot.job;
    if (!job || !this.slots.has(slot)) return;
    clearTimeout(slot.timer);
    slot.job = undefined;
    job.values.push(...message.values);
    job.from += message.values.length;
    if (message.kind === 'done') job.resolve(job.values);
    else if (message.kind === 'failed') job.reject(job.items[job.from]!.expression.failure(message.error));
    else void this.resolveLink(job, message.mapping, message.key);
    this.pump();
  }

  /** Answer a `$link` on the main thread, then put the rest of the job first in the queue. */
  private async resolveLink(job: Job, mapping: string, key: unknown): Promise<void> {
    const k = linkKey(mapping, key);
    if (job.answers.has(k)) {
      job.reject(new Error(`internal: $link('${mapping}', …) asked again after it was answered`));
      return;
    }
    try {
      const fetch = fetchOf(mapping);
      const answer = await job.inCallerContext(() =>
        fetch ? fetchAnswer(job.ctx, fetch, key) : job.ctx.link(mapping, key),
      );
      // Only ids are kept for the run: "not linked" is asked again (it may be linked later).
      // Lookups are the engine's to cache (engine/sync/lookups.ts).
      const keep =
        !fetch && job.ctx.linkScope !== undefined && answer !== undefined && answer !== null && answer !== '';
      job.answers.set(k, [answer, keep]);
    } catch (error) {
      job.reject(error); // store and connector errors keep their identity
      return;
    }
    if (this.closed) return job.reject(closedError());
    if (job.interrupted) return;
    this.queue.unshift(job);
    this.pump();
  }

  /** The run scope of a job and the link generations of the mappings its items link to. */
  private scopeOf(job: Job): Pick<EvalMessage, 'scope'> {
    const scope = job.ctx.linkScope;
    if (!scope) return {};
    const mappings = new Set(job.items.slice(job.from).flatMap((item) => item.expression.links));
    if (mappings.size === 0) return {};
    let id = this.scopeIds.get(scope);
    if (id === undefined) {
      id = this.nextId++;
      this.scopeIds.set(scope, id);
    }
    return { scope: { id, generations: [...mappings].map((m) => [m, scope.generation(m)]) } };
  }

  private idOf(expression: CompiledExpression): number {
    let id = this.ids.get(expression);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(expression, id);
    }
    return id;
  }
}

export function defaultPoolSize(): number {
  return Math.min(4, Math.max(1, availableParallelism() - 1));
}
