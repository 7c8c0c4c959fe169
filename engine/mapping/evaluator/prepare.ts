/**
 * One JSONata expression made ready to evaluate, the same way wherever it runs: on the main
 * thread (validation, in-process evaluation) and in an evaluation worker. mapsync's helpers
 * are registered, regexes run on the linear-time engine, and JSONata's own guardrails are on
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

/** Compile with helpers and guardrails; throws JSONata's syntax error (with `position`). */
export function prepareExpression(spec: ExpressionSpec): jsonata.Expression {
  const compiled = compileJsonata(spec.text, {
    timeout: spec.limits.timeoutMs,
    stack: spec.limits.maxDepth,
    RegexEngine: linearRegexEngine(),
  });
  registerHelpers(compiled);
  return compiled;
}

/** Evaluate and return plain data (no JSONata sequences, no functions, no aliasing of the input). */
export async function evaluatePrepared(
  compiled: jsonata.Expression,
  input: unknown,
  bindings: Record<string, unknown>,
): Promise<unknown> {
  return toPlain(await compiled.evaluate(input, bindings));
}
