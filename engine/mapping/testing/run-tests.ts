/**
 * Runs mapping test cases through the same runtime API the sync engine uses (evaluate.ts,
 * over the evaluator the caller passes: `mapsync test` gives it the worker pool the engine
 * uses, with its hard time limit), with `$link` answered from the case's stubs, and builds
 * the output with the engine's own payload rule (payload.ts): a case specifies the record
 * a create would send. Each case runs twice: a mapping whose output differs between two
 * runs on the same input is not deterministic and fails, because the engine relies on
 * re-running a record being harmless.
 */
import type { Position } from '../../yaml/parse-source.ts';
import type { MappingEvaluator } from '../evaluate.ts';
import { mapRecord } from '../map-record.ts';
import type { CompiledMapping } from '../model.ts';
import { toPlain } from '../plain.ts';
import { runChecks } from '../run-checks.ts';
import { copiedSourcePaths } from '../source-paths.ts';
import { explainContains, explainEquals } from './compare.ts';
import type { CheckTestCase, MappingTestCase, MappingTestFile } from './load-tests.ts';

/**
 * The engine's check of a source record's copied values against its entity schema (the sync
 * engine's PayloadValidator.checkValues): throws when the source could not hold the input.
 */
export interface SourceValueCheck {
  checkValues(schema: string, record: unknown, paths: readonly string[], what: string): void;
}

export interface RunTestOptions {
  /**
   * When given, a case's input (direction to-target) is checked as the engine checks a
   * source record before it maps it (engine/sync/source-values.ts): a case the engine would
   * fail as "invalid at the source" fails here too, instead of showing a payload never sent.
   */
  sourceCheck?: SourceValueCheck;
}

export interface CaseResult {
  file: string;
  mapping: string;
  name: string;
  position: Position;
  passed: boolean;
  /** Why it failed: one line per difference, or the error. */
  details: string[];
  /** Each of the two runs (the second also fails when its output differs from the first's). */
  runs: RunResult[];
}

export interface RunResult {
  /** 1 or 2. */
  run: number;
  passed: boolean;
  details: string[];
  durationMs: number;
}

/** What a case's input becomes: the payload, or `{ skipped: true }` when `when` excludes it. */
export function caseOutput(
  evaluator: MappingEvaluator,
  mapping: CompiledMapping,
  testCase: MappingTestCase,
): Promise<unknown> {
  return mapRecord(evaluator, mapping, testCase);
}

export async function runCase(
  evaluator: MappingEvaluator,
  mapping: CompiledMapping,
  file: MappingTestFile,
  testCase: MappingTestCase,
  options: RunTestOptions = {},
): Promise<CaseResult> {
  const first = await runOnce(evaluator, mapping, testCase, 1, options);
  const second = await runOnce(evaluator, mapping, testCase, 2, options);
  if (
    first.output.ok &&
    second.output.ok &&
    JSON.stringify(first.output.value) !== JSON.stringify(second.output.value)
  ) {
    second.result.passed = false;
    second.result.details = [
      'not deterministic: two runs on the same input differ',
      ...explainEquals(first.output.value, second.output.value),
    ];
  }
  return caseResult(file, mapping, testCase, [first.result, second.result]);
}

type Output = { ok: true; value: unknown } | { ok: false; error: string };

async function runOnce(
  evaluator: MappingEvaluator,
  mapping: CompiledMapping,
  testCase: MappingTestCase,
  run: number,
  options: RunTestOptions,
): Promise<{ output: Output; result: RunResult }> {
  const started = performance.now();
  let output: Output;
  try {
    checkSource(mapping, testCase, options);
    output = { ok: true, value: toPlain(await caseOutput(evaluator, mapping, testCase)) };
  } catch (error) {
    output = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const durationMs = performance.now() - started;
  const details = output.ok ? judge(testCase, output.value) : [`error: ${output.error}`];
  return { output, result: { run, passed: details.length === 0, details, durationMs } };
}

/** Throws as the engine would refuse the case's input at the source (fan-out: per child, not here). */
function checkSource(mapping: CompiledMapping, testCase: MappingTestCase, options: RunTestOptions): void {
  const schema = mapping.source.schema;
  if (!options.sourceCheck || !schema || mapping.fanOut || testCase.direction !== 'to-target') return;
  options.sourceCheck.checkValues(
    schema,
    testCase.input,
    copiedSourcePaths(mapping),
    `${mapping.name} ${mapping.source.entity} (case input)`,
  );
}

/** What is wrong with one run's output (nothing: an empty list). */
function judge(testCase: MappingTestCase, output: unknown): string[] {
  const expect = testCase.expect;
  const skipped =
    typeof output === 'object' && output !== null && (output as { skipped?: unknown }).skipped === true;
  if (expect.kind === 'skipped') {
    return skipped ? [] : ['expected the record to be skipped by when, but it was mapped'];
  }
  if (skipped) return ['the record was skipped by when, but an output was expected'];
  const expected = toPlain(expect.value);
  return expect.kind === 'equals' ? explainEquals(expected, output) : explainContains(expected, output);
}

export async function runTestFiles(
  evaluator: MappingEvaluator,
  files: readonly MappingTestFile[],
  mappings: ReadonlyMap<string, CompiledMapping>,
  options: RunTestOptions = {},
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const file of files) {
    const mapping = mappings.get(file.mapping);
    if (!mapping) continue;
    for (const testCase of file.cases)
      results.push(await runCase(evaluator, mapping, file, testCase, options));
    for (const testCase of file.checkCases) results.push(await runCheckCase(mapping, file, testCase));
  }
  return results;
}

/**
 * A case of one of the mapping's `checks:`, run as the engine runs it at the start of a run
 * (run-checks.ts) on the settings and variables the case gives, twice like any case: the
 * mismatches must be exactly the case's `mismatches` (the check's messages, in order).
 */
export async function runCheckCase(
  mapping: CompiledMapping,
  file: MappingTestFile,
  testCase: CheckTestCase,
): Promise<CaseResult> {
  const check = mapping.checks?.find((c) => c.name === testCase.check);
  const runs: RunResult[] = [];
  for (const run of [1, 2]) {
    const started = performance.now();
    let details: string[];
    if (!check) details = [`mapping "${mapping.name}" has no check "${testCase.check}"`];
    else {
      const problems = await runChecks([check], mapping.name, testCase.variables);
      const failed = problems.find((p) => p.code !== 'CONFIG_MISMATCH');
      details = failed
        ? [`error: ${failed.message}`]
        : explainEquals(
            testCase.mismatches,
            problems.map((p) => p.text ?? p.message),
          );
    }
    runs.push({ run, passed: details.length === 0, details, durationMs: performance.now() - started });
  }
  return caseResult(file, mapping, testCase, runs);
}

/** A case's verdict from its runs: the first failing run's problems, else none. */
function caseResult(
  file: MappingTestFile,
  mapping: CompiledMapping,
  testCase: { name: string; position: Position },
  runs: RunResult[],
): CaseResult {
  const failing = runs.find((r) => !r.passed);
  return {
    file: file.file,
    mapping: mapping.name,
    name: testCase.name,
    position: testCase.position,
    passed: failing === undefined,
    details: failing?.details ?? [],
    runs,
  };
}
