/**
 * What an expression is made of, as plain data: the types the mapping model holds and the
 * evaluator (prepare.ts, the workers) compiles from. Its own module so that the model does
 * not import the evaluator, which imports the helpers, which import the model.
 */

/** Guardrails for every evaluation. */
export interface ExpressionLimits {
  /** JSONata's time limit of one evaluation in milliseconds, checked between steps. */
  timeoutMs: number;
  /** Maximum JSONata evaluation depth (recursion). */
  maxDepth: number;
}

/** Everything needed to compile an expression again elsewhere (plain data, sent to workers). */
export interface ExpressionSpec {
  readonly text: string;
  readonly limits: ExpressionLimits;
  /** Mapping variables, bound as `$name` in every evaluation. */
  readonly variables: Readonly<Record<string, unknown>>;
}
