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
    for (const key of sorted) releases.push(await this.acquireOne(key));
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

  private async acquireOne(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
