/**
 * A mapping's `checks:` (engine/mapping/compile-checks.ts), evaluated once per run after the
 * run settings are read and before any record: each check's `each` gives the items, and an
 * item whose `condition` is not `true` is a mismatch described by the check's `message`. Every
 * mismatch of every check is reported (`CONFIG_MISMATCH`, at the check's file:line:col) and
 * the mapping stops for the run: nothing is synced with a configuration the systems
 * contradict. An expression that fails to evaluate stops it too, with its own code.
 *
 * It needs nothing but the bindings (run settings, variables), so `mapsync test` runs a
 * mapping's checks on the settings a test case gives (testing/run-tests.ts).
 */
import { MapsyncError } from '../errors.ts';
import type { CompiledCheck, CompiledExpression, EvaluationContext } from './model.ts';

/** One reason a mapping's checks stopped it. */
export interface CheckProblem {
  /** `CONFIG_MISMATCH`, or the evaluation error's code (`MAP_EVAL_ERROR`, …). */
  readonly code: string;
  readonly message: string;
  /** A mismatch's own words (the check's `message`), without file, line and check name. */
  readonly text?: string;
}

/** At most this many mismatches of one check are reported (the rest are counted). */
const LISTED = 20;

const noLinks: EvaluationContext['link'] = () =>
  Promise.reject(new MapsyncError('MAP_EVAL_ERROR', 'a check cannot $link'));

export async function runChecks(
  checks: readonly CompiledCheck[],
  mapping: string,
  bindings: Readonly<Record<string, unknown>>,
): Promise<CheckProblem[]> {
  const context: EvaluationContext = { link: noLinks, bindings: { ...bindings } };
  const evaluate = (expression: CompiledExpression, input: unknown) => expression.evaluate(input, context);
  const problems: CheckProblem[] = [];
  for (const check of checks) {
    const at = `${check.position.file}:${check.position.line}:${check.position.col}`;
    try {
      const items = check.each ? await evaluate(check.each, {}) : [{}];
      const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
      let found = 0;
      for (const item of list) {
        if ((await evaluate(check.condition, item)) === true) continue;
        found++;
        if (found > LISTED) continue;
        const value = await evaluate(check.message, item);
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        problems.push({
          code: 'CONFIG_MISMATCH',
          message: `${at}: mapping "${mapping}", check "${check.name}": ${text}`,
          text,
        });
      }
      if (found > LISTED)
        problems.push({
          code: 'CONFIG_MISMATCH',
          message: `${at}: mapping "${mapping}", check "${check.name}": ${found - LISTED} more mismatches`,
          text: `${found - LISTED} more mismatches`,
        });
    } catch (error) {
      const code = error instanceof MapsyncError ? error.code : 'MAP_EVAL_ERROR';
      problems.push({ code, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return problems;
}
