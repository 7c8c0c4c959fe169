/**
 * Per-mapping mutual exclusion. A run of a mapping (scheduled, reconciliation, webhook
 * records, a retry) holds the lock of that mapping and of every mapping it may write through
 * (`MappingInfo.locksWith`), so runs of one mapping never overlap and two runs never create
 * the same record. Locks are FIFO and a set is always taken in name order, so two sets can
 * never wait on each other (no deadlock).
 */
export class MappingLocks {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly holders = new Map<string, string>();

  /** Take every lock in `names` (in sorted order); resolves with a release function. */
  async acquire(names: Iterable<string>, holder = 'run'): Promise<() => void> {
    const sorted = [...new Set(names)].sort();
    const releases: Array<() => void> = [];
    for (const name of sorted) releases.push(await this.acquireOne(name, holder));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const release of releases.reverse()) release();
    };
  }

  /** Whether some holder has the lock of `name` now. */
  isHeld(name: string): boolean {
    return this.holders.has(name);
  }

  private async acquireOne(name: string, holder: string): Promise<() => void> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(name, tail);
    await previous;
    this.holders.set(name, holder);
    return () => {
      this.holders.delete(name);
      if (this.tails.get(name) === tail) this.tails.delete(name);
      release();
    };
  }
}
