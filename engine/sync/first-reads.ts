/**
 * When the first mappings of a run are reading their records. The engine compiles the payload
 * validators only from then on: the run's first requests (token, run settings, listings) need
 * none, and compiling first held them back by the whole compilation, since each step of the
 * run's start (a store read, a response) waited for a compilation turn; the rate budget's
 * first window now starts sooner (docs/benchmarks.md, section 6).
 */
export class FirstReads {
  /** Settles once every awaited mapping reads its records or has ended, or the run ended. */
  readonly ready: Promise<void>;
  private readonly waiting: Set<string>;
  private release: () => void = () => {};

  constructor(mappings: readonly string[]) {
    this.waiting = new Set(mappings);
    this.ready = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    if (this.waiting.size === 0) this.release();
  }

  /** `mapping` reads its records now, or has ended (a mapping that stopped early reads none). */
  reading(mapping: string): void {
    this.waiting.delete(mapping);
    if (this.waiting.size === 0) this.release();
  }

  /** The run's mappings have all ended, or the run stopped: nothing is awaited any more. */
  end(): void {
    this.release();
  }
}
