/**
 * Bounded concurrency for the records of a run (p-limit), where every record starts in an
 * event-loop turn of its own. Without the yield, a record whose awaits all resolve at once
 * (links preloaded, answers cached) is followed by the next one in the same microtask chain,
 * and a page of records runs as one long synchronous stretch: `/healthz`, webhooks and
 * SIGTERM wait for all of it. With hostile records (strings of hundreds of kB to hash, copy
 * to a worker and store) such a stretch grew past a second on a loaded machine (`npm run
 * fuzz`, docs/benchmarks.md). One `setImmediate` per record costs microseconds.
 */
import pLimit from 'p-limit';

export type RecordLimit = <T>(task: () => Promise<T>) => Promise<T>;

/** Lets pending I/O callbacks (an HTTP request, a timer) run before going on. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function yieldingLimit(concurrency: number): RecordLimit {
  const limit = pLimit(concurrency);
  return (task) =>
    limit(async () => {
      await yieldToLoop();
      return task();
    });
}
