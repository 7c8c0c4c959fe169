/**
 * Runs mapping test cases through the same runtime API the sync engine uses (evaluate.ts,
 * over the evaluator the caller passes: `mapsync test` gives it the worker pool the engine
 * uses, with its hard time limit), with `$link` answered from the case's stubs. Each case runs twice: a mapping whose output
 * differs between two runs on the same input is not deterministic and fails, because the
 * engine relies on re-running a record being harmless.
 */
import type { Position } from '../../yaml/parse-source.ts';
import { buildRecord, childContext, type MappingEvaluator } from '../evaluate.ts';
import type { CompiledMapping, EvaluationContext } from '../model.ts';
import { toPlain } from '../plain.ts';
import { explainContains, explainEquals } from './compare.ts';
import type { MappingTestCase, MappingTestFile } from './load-tests.ts';

export interface CaseResult {
  file: string;
  mapping: string;
  name: string;
  position: Position;
  passed: boolean;
  /** Why it failed: one line per difference, or the error. */
  details: string[];
}

/** What a case's input becomes: the payload, or `{ skipped: true }` when `when` excludes it. */
export async function caseOutput(
  evaluator: MappingEvaluator,
  mapping: CompiledMapping,
  testCase: MappingTestCase,
): Promise<unknown> {
  const { createPayload, expandChildren, passesWhen, valuesForSource, valuesForTarget } = evaluator;
  const ctx: EvaluationContext = {
    link: async (name, key) => {
      const id = typeof key === 'object' && key !== null ? (key as { id?: unknown }).id : key;
      return testCase.links[name]?.[String(id)];
    },
    bindings: testCase.variables,
  };
  if (testCase.direction === 'to-source') {
    return buildRecord(await valuesForSource(mapping, testCase.input, ctx));
  }
  if (!(await passesWhen(mapping, testCase.input, ctx))) return { skipped: true };
  if (!mapping.fanOut) return createPayload(mapping, testCase.input, ctx);
  const children = await expandChildren(mapping, testCase.input, ctx);
  const payloads: Record<string, unknown>[] = [];
  for (const { child, position } of children) {
    const values = await valuesForTarget(mapping, child, childContext(ctx, testCase.input, position));
    payloads.push(buildRecord([...Object.entries(mapping.target.where), ...values]));
  }
  return payloads;
}

export async function runCase(
  evaluator: MappingEvaluator,
  mapping: CompiledMapping,
  file: MappingTestFile,
  testCase: MappingTestCase,
): Promise<CaseResult> {
  const result = { file: file.file, mapping: mapping.name, name: testCase.name, position: testCase.position };
  let first: unknown;
  let second: unknown;
  try {
    first = toPlain(await caseOutput(evaluator, mapping, testCase));
    second = toPlain(await caseOutput(evaluator, mapping, testCase));
  } catch (error) {
    return {
      ...result,
      passed: false,
      details: [`error: ${error instanceof Error ? error.message : String(error)}`],
    };
  }
  if (JSON.stringify(first) !== JSON.stringify(second)) {
    return {
      ...result,
      passed: false,
      details: ['not deterministic: two runs on the same input differ', ...explainEquals(first, second)],
    };
  }
  const expect = testCase.expect;
  const skipped =
    typeof first === 'object' && first !== null && (first as { skipped?: unknown }).skipped === true;
  let details: string[];
  if (expect.kind === 'skipped') {
    details = skipped ? [] : ['expected the record to be skipped by when, but it was mapped'];
  } else if (skipped) {
    details = ['the record was skipped by when, but an output was expected'];
  } else {
    const expected = toPlain(expect.value);
    details = expect.kind === 'equals' ? explainEquals(expected, first) : explainContains(expected, first);
  }
  return { ...result, passed: details.length === 0, details };
}

export async function runTestFiles(
  evaluator: MappingEvaluator,
  files: readonly MappingTestFile[],
  mappings: ReadonlyMap<string, CompiledMapping>,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const file of files) {
    const mapping = mappings.get(file.mapping);
    if (!mapping) continue;
    for (const testCase of file.cases) results.push(await runCase(evaluator, mapping, file, testCase));
  }
  return results;
}
