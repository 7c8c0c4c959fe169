/**
 * Graceful shutdown in bounded time. Steps run in order (stop taking work, let in-flight
 * records finish or be safely abandoned, close connectors, close the store, close the HTTP
 * server); the whole sequence gets `timeoutMs`. When it finishes in time the outcome is
 * `ok`; otherwise the remaining steps are abandoned and the caller exits non-zero with the
 * name of the step that hung.
 */
import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

export type ShutdownOutcome =
  | { ok: true; ms: number }
  | { ok: false; ms: number; step: string; error?: string };

export class Shutdown {
  private outcome: Promise<ShutdownOutcome> | undefined;
  private draining = false;

  constructor(
    private readonly steps: readonly ShutdownStep[],
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** True from the first call of `run` on: intake answers 503, admin actions are refused. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Run the steps once; later calls return the same outcome. */
  run(reason: string): Promise<ShutdownOutcome> {
    this.outcome ??= this.execute(reason);
    return this.outcome;
  }

  private async execute(reason: string): Promise<ShutdownOutcome> {
    this.draining = true;
    const started = Date.now();
    this.logger.info({ reason, timeoutMs: this.timeoutMs }, 'shutting down');
    let current = 'start';
    let failure: string | undefined;
    const sequence = (async () => {
      for (const step of this.steps) {
        current = step.name;
        try {
          await step.run();
        } catch (error) {
          // Keep going: closing the store matters even when a connector failed to close.
          failure ??= `${step.name}: ${error instanceof Error ? error.message : String(error)}`;
          this.logger.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      sequence.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const ms = Date.now() - started;
    if (timedOut) {
      this.logger.error(
        { step: current, ms },
        `shutdown did not finish within ${this.timeoutMs} ms (stuck in "${current}")`,
      );
      return { ok: false, ms, step: current };
    }
    if (failure) return { ok: false, ms, step: current, error: failure };
    this.logger.info({ ms }, 'shut down');
    return { ok: true, ms };
  }
}
