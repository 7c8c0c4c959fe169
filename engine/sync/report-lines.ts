/**
 * A mapping's `report`: one line for the run summary about a record whose target the run
 * creates or updates (each child, for fan-out mappings), e.g. the rounding line an order
 * needed. Evaluated with the record's own bindings; a non-empty string is listed, anything
 * else is not. A report that cannot be evaluated is logged and left out: it never fails the
 * record that was written.
 */
import type { EntityRecord } from '../connectors/types.ts';
import type { EvaluationContext } from '../mapping/model.ts';
import { recordContext } from './dependencies.ts';
import { classify } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';
import type { RunReporter } from './run-reporter.ts';
import type { ProcessResult } from './run-types.ts';

/** The `report` line of one record (or child); undefined when there is none. */
export async function reportLine(
  mappingRun: MappingRun,
  input: unknown,
  ctx: EvaluationContext,
): Promise<string | undefined> {
  const expression = mappingRun.mapping.report;
  if (!expression) return undefined;
  try {
    const value = await mappingRun.run.evaluator.evaluate(expression, input, ctx);
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  } catch (error) {
    // A store failure still stops the run; anything else is logged by its code and its
    // reason without what it quotes (JSONata quotes the value it could not use: record data).
    const { code, reason } = classify(error);
    mappingRun.run.deps.runtime.logger.warn(
      { mapping: mappingRun.mapping.name, code },
      `${mappingRun.mapping.name}: its report could not be evaluated (${reason}); the line is left out of the summary`,
    );
    return undefined;
  }
}

/** List the report lines of the children that were written (created or updated). */
export function reportWritten(
  reporter: RunReporter,
  mapping: string,
  children: ReadonlyArray<{ key: string; report?: string }>,
  written: readonly string[],
): void {
  const keys = new Set(written);
  for (const child of children)
    if (child.report && keys.has(child.key)) reporter.report(mapping, child.report);
}

/** A plain mapping's record: its report line, when the run created or updated its target. */
export async function reportRecord(
  mappingRun: MappingRun,
  record: EntityRecord,
  result: ProcessResult,
): Promise<void> {
  if (!mappingRun.mapping.report) return;
  if (!['created', 'updated'].includes(result.outcome) || result.direction === 'to-source') return;
  const line = await reportLine(mappingRun, record, recordContext(mappingRun).ctx);
  if (line) mappingRun.run.reporter.report(mappingRun.mapping.name, line);
}
