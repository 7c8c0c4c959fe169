/**
 * One JSONata expression made ready to evaluate, the same way wherever it runs: on the main
 * thread (validation, in-process evaluation) and in an evaluation worker. mapsync's helpers
 * are registered (before the first evaluation), regexes run on the linear-time engine, and JSONata's own guardrails are on
 * (a step-based time limit and a depth limit, checked between evaluation steps).
 */
import { createRequire } from 'node:module';
import type jsonata from 'jsonata';
import { registerHelpers } from '../functions/index.ts';
import { toPlain } from '../plain.ts';
import { linearRegexEngine } from '../regex-engine.ts';
import type { ExpressionLimits, ExpressionSpec } from './spec.ts';

export type { ExpressionLimits, ExpressionSpec } from './spec.ts';

/**
 * JSONata is one 300 kB CommonJS file: imported as an ES module, node first scans all of it
 * for its export names (cjs-module-lexer), ~200 ms of every start-up that compiles an
 * expression (`mapsync validate`); `require` skips that scan (~30 ms).
 */
const compileJsonata = createRequire(import.meta.url)('jsonata') as typeof jsonata;

export const DEFAULT_LIMITS: ExpressionLimits = { timeoutMs: 1000, maxDepth: 500 };

/**
 * The expressions whose helpers are registered. JSONata parses each helper's signature again
 * for every expression it is registered on (20 helpers × 85 expressions, a tenth of
 * `mapsync validate`, which evaluates none): they are registered before the first evaluation.
 */
const withHelpers = new WeakSet<jsonata.Expression>();

/** Compile with guardrails; throws JSONata's syntax error (with `position`). */
export function prepareExpression(spec: ExpressionSpec): jsonata.Expression {
  return compileJsonata(spec.text, {
    timeout: spec.limits.timeoutMs,
    stack: spec.limits.maxDepth,
    RegexEngine: linearRegexEngine(),
  });
}

/**
 * Evaluate with mapsync's helpers (registered on first use) and return plain data (no JSONata
 * sequences, no functions, no aliasing of the input).
 */
export async function evaluatePrepared(
  compiled: jsonata.Expression,
  input: unknown,
  bindings: Record<string, unknown>,
): Promise<unknown> {
  if (!withHelpers.has(compiled)) {
    registerHelpers(compiled);
    withHelpers.add(compiled);
  }
  return toPlain(await compiled.evaluate(input, bindings));
}
