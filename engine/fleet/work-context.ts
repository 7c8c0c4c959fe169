/**
 * What the work being done right now is, for code many calls below the job that started
 * it: the priority its requests get from a shared rate budget. A worker runs each job inside
 * `work.run({ priority }, …)`; the fleet's limiter reads `work.priority()` when a request
 * asks for budget. Without it the connectors and the engine would have to pass a priority
 * through every call they make.
 *
 * One `WorkContext` per process, made by the composition root and handed to the rate
 * budget (no module-level instance): AsyncLocalStorage follows the job through every await.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Priority } from '../connectors/http/limiter.ts';
import type { Fence } from '../store/fencing.ts';

export interface Work {
  priority: Priority;
  /** The fencing tokens of the locks the job holds: its store writes carry them (fencing.ts). */
  fences?: readonly Fence[];
  /**
   * Aborted when a write found that the job no longer holds its locks (write-guard.ts): the
   * job stops sending and is run again.
   */
  stop?: AbortController;
}

export class WorkContext {
  private readonly storage = new AsyncLocalStorage<Work>();

  constructor(private readonly fallback: Priority = 'reconcile') {}

  /** Run `fn` (and everything it awaits) as `work`. */
  run<T>(work: Work, fn: () => T): T {
    return this.storage.run(work, fn);
  }

  /** The priority of the work running now; `reconcile` outside any job. */
  priority(): Priority {
    return this.storage.getStore()?.priority ?? this.fallback;
  }

  /** The work running now; undefined outside a job. */
  current(): Work | undefined {
    return this.storage.getStore();
  }

  /** The fences of the job running now; undefined outside a job. */
  fences(): readonly Fence[] | undefined {
    return this.storage.getStore()?.fences;
  }
}
