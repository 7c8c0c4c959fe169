/**
 * The small error hierarchy of mapsync. Every error the engine raises on purpose carries a
 * stable `code` (tests and operators key on codes, never on message text) and, where it
 * wraps something, the original as `cause`.
 *
 * Heavy or secret-bearing context (request bodies, headers) is kept in private fields so
 * that logging an error never dumps it by accident.
 */
export class MapsyncError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A problem in mapsync.yaml, a mapping file or the environment; never retried. */
export class ConfigError extends MapsyncError {}

/**
 * The link store failed (read or write). Never treated as "no link": the record stops,
 * and a persistent failure stops the run.
 */
export class StoreError extends MapsyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_UNAVAILABLE', message, options);
  }
}

/** A JSONata expression failed or exceeded its guardrails while mapping one record. */
export class MappingRuntimeError extends MapsyncError {
  constructor(
    code: string,
    message: string,
    readonly mapping: string,
    readonly expression?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * An evaluation stopped because its run was (the service shutting down, a mapping paused):
 * not the expression's fault. The record fails as `interrupted`, due again at once, so the
 * next run takes it up (engine/sync/failures.ts); the expression is not blamed for it.
 */
export class EvaluationInterrupted extends MapsyncError {
  constructor(reason: unknown) {
    const why = reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
    super('EVAL_INTERRUPTED', `evaluation interrupted (${why}); the record is tried again on the next run`);
  }
}
