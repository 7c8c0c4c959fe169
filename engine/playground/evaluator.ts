/**
 * The playground's expressions run on the engine's evaluator pool (worker threads, the hard
 * time limit, RE2 regexes), never on the server's own thread: a runaway expression typed in
 * the browser is stopped and named like one in a sync. It is a pool of its own, not the
 * service's, so an experiment never waits behind or delays a sync.
 *
 * Every edit compiles its expressions anew and a worker keeps what it compiled, so the pool
 * is replaced, once idle, after `recycleAfter` evaluations: memory stays bounded however
 * long a person types.
 */
import { type MappingEvaluator, mappingEvaluator } from '../mapping/evaluate.ts';
import { EvaluatorPool, type EvaluatorPoolOptions } from '../mapping/evaluator/pool.ts';

export interface PlaygroundEvaluatorOptions extends Omit<EvaluatorPoolOptions, 'size'> {
  /** Evaluations before the pool is replaced (default 200). */
  recycleAfter?: number;
}

export class PlaygroundEvaluator {
  private pool: EvaluatorPool;
  private uses = 0;
  private running = 0;
  private closed = false;
  private readonly recycleAfter: number;

  constructor(private readonly options: PlaygroundEvaluatorOptions = {}) {
    this.recycleAfter = options.recycleAfter ?? 200;
    this.pool = this.newPool();
  }

  get hardTimeoutMs(): number {
    return this.pool.hardTimeoutMs;
  }

  /** Run `work` with an evaluator over the pool. */
  async use<T>(work: (evaluator: MappingEvaluator) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the playground evaluator is closed');
    if (this.uses >= this.recycleAfter && this.running === 0) {
      void this.pool.close();
      this.pool = this.newPool();
      this.uses = 0;
    }
    this.uses += 1;
    this.running += 1;
    try {
      return await work(mappingEvaluator(this.pool));
    } finally {
      this.running -= 1;
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return this.pool.close();
  }

  private newPool(): EvaluatorPool {
    const { recycleAfter: _, ...pool } = this.options;
    return new EvaluatorPool({ ...pool, size: 1 });
  }
}
