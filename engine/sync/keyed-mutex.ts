/**
 * Serialises work per key, FIFO. The engine uses it so that two records that would create
 * the same partner (same match key, same guard value) never run their create at the same
 * time: the second one sees the first one's link instead of creating a duplicate. The
 * service uses it for per-mapping locks, so runs of one mapping never overlap. A set of
 * keys is always taken in sorted order, so two holders of overlapping sets cannot
 * deadlock. Keys are released when idle, so memory stays proportional to the work in flight.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Take every key in `keys`; resolves with a release function (idempotent). */
  async acquire(keys: Iterable<string>): Promise<() => void> {
    const sorted = [...new Set(keys)].sort();
    const releases: Array<() => void> = [];
    for (const key of sorted) {
      const taken = this.acquireOne(key);
      releases.push(typeof taken === 'function' ? taken : await taken);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const release of releases.reverse()) release();
    };
  }

  /** Run `fn` holding every key in `keys`. */
  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(keys);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * The key's release function: at once when nobody holds or waits for the key (no turn of
   * the microtask queue per free key, nearly every key of a run at concurrency 1), else once
   * the holders and waiters ahead have released it. Either way the key is this caller's
   * from the moment of the call: later callers queue behind it (FIFO).
   */
  private acquireOne(key: string): (() => void) | Promise<() => void> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous ? previous.then(() => current) : current;
    this.tails.set(key, tail);
    const done = () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    return previous ? previous.then(() => done) : done;
  }
}
