/**
 * The expression half of a fuzz run: random expressions (expressions.ts) compiled the way
 * `mapsync validate` compiles a mapping's expressions, then evaluated on the hostile records
 * read back from the shop through the engine's evaluation worker pool (the same pool and
 * hard time limit `mapsync serve` uses). Invariants per evaluation:
 *
 * - it ends, within the pool's hard limit plus a grace (never hangs);
 * - it ends with a value or with a MappingRuntimeError that has a code and names the
 *   expression (a reason), never another kind of error;
 * - a number it returns is finite (Infinity or NaN would vanish from a JSON body).
 *
 * The loop of this process (which hosts the pool, as the service's does) is watched with
 * monitorEventLoopDelay: evaluation must not block it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MappingRuntimeError } from '../../engine/errors.ts';
import { EvaluatorPool } from '../../engine/mapping/evaluator/pool.ts';
import { compileExpression, DEFAULT_LIMITS } from '../../engine/mapping/expression.ts';
import type { CompiledExpression } from '../../engine/mapping/model.ts';

export interface ExpressionReport {
  expressions: number;
  /** Refused at compile time (syntax, a regex the linear engine cannot run): a clear diagnostic. */
  refused: number;
  evaluations: number;
  values: number;
  failedWithReason: Record<string, number>;
  slowestMs: number;
  loopDelayMaxMs: number;
  violations: string[];
}

// Beyond the hard limit: a queue behind a killed worker and a fresh worker starting on a loaded
// machine. An evaluation that outlasts this has hung.
const GRACE_MS = 10_000;

export async function runExpressions(
  texts: string[],
  records: unknown[],
  options: { perExpression: number; hardTimeoutMs?: number },
): Promise<ExpressionReport> {
  const pool = new EvaluatorPool({ size: 2, hardTimeoutMs: options.hardTimeoutMs ?? 2000 });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const report: ExpressionReport = {
    expressions: texts.length,
    refused: 0,
    evaluations: 0,
    values: 0,
    failedWithReason: {},
    slowestMs: 0,
    loopDelayMaxMs: 0,
    violations: [],
  };
  const ctx = { link: async () => undefined };
  try {
    for (const [i, text] of texts.entries()) {
      const label = `expression ${i}`;
      const compiled = compileExpression(
        text,
        {
          file: 'fuzz',
          mapping: 'fuzz',
          label,
          locate: (offset) => ({ file: 'fuzz', line: 1, col: offset + 1 }),
        },
        { limits: DEFAULT_LIMITS, variables: {}, contextVariables: [] },
      );
      if (!compiled.expression || compiled.diagnostics.some((d) => d.severity === 'error')) {
        report.refused++;
        if (compiled.diagnostics.length === 0)
          report.violations.push(`${label} refused without a diagnostic: ${text}`);
        continue;
      }
      const expression: CompiledExpression = compiled.expression;
      for (let k = 0; k < options.perExpression; k++) {
        const input = records[(i * 31 + k * 7) % records.length];
        report.evaluations++;
        const started = performance.now();
        let outcome: { value: unknown } | { error: unknown };
        const limit = pool.hardTimeoutMs + GRACE_MS;
        let timer: NodeJS.Timeout | undefined;
        const hung = new Promise<'hung'>((resolve) => {
          timer = setTimeout(() => resolve('hung'), limit);
        });
        try {
          const result = await Promise.race([pool.evaluate([{ expression, input }], ctx), hung]);
          if (result === 'hung') {
            report.violations.push(`${label} did not end within ${limit} ms: ${text.slice(0, 200)}`);
            continue;
          }
          outcome = { value: result[0] };
        } catch (error) {
          outcome = { error };
        } finally {
          clearTimeout(timer);
        }
        const ms = performance.now() - started;
        report.slowestMs = Math.max(report.slowestMs, ms);
        if ('error' in outcome) {
          const e = outcome.error;
          if (e instanceof MappingRuntimeError && e.code && e.message.includes(label)) {
            report.failedWithReason[e.code] = (report.failedWithReason[e.code] ?? 0) + 1;
          } else {
            report.violations.push(
              `${label} failed without a reason (${e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e)}): ${text.slice(0, 200)}`,
            );
          }
          continue;
        }
        report.values++;
        const bad = nonFinite(outcome.value);
        if (bad)
          report.violations.push(
            `${label} returned ${bad} (a number that would vanish): ${text.slice(0, 200)}`,
          );
      }
    }
  } finally {
    loop.disable();
    report.loopDelayMaxMs = loop.max / 1e6;
    await pool.close();
  }
  return report;
}

function nonFinite(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : String(value);
  if (Array.isArray(value)) {
    for (const v of value) {
      const bad = nonFinite(v);
      if (bad) return bad;
    }
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) {
      const bad = nonFinite(v);
      if (bad) return bad;
    }
  }
  return undefined;
}
