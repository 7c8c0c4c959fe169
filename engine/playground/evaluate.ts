/**
 * One playground evaluation: the edited text of a mapping file is checked with every other
 * file of the project, as `validate` would check it saved; then a sample record — pasted, a
 * test case's input, or fetched live by id — goes through the mapping by `mapRecord`, the
 * engine's own operations on the playground's evaluator pool. Two-way mappings also show
 * the way back: the payload mapped to the source again, as the engine maps a target record.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { MapsyncError } from '../errors.ts';
import type { MappingEvaluator } from '../mapping/evaluate.ts';
import { mapRecord, type RecordToMap } from '../mapping/map-record.ts';
import type { CompiledMapping } from '../mapping/model.ts';
import { toPlain } from '../mapping/plain.ts';
import type { MappingTestFile } from '../mapping/testing/load-tests.ts';
import { PlaygroundError } from './errors.ts';
import type { PlaygroundEvaluator } from './evaluator.ts';
import { checkWorkspace, mappingFileOf, type PlaygroundWorkspace } from './workspace.ts';

/** Reads one record by id, read-only (a connector's `get`); null when it does not exist. */
export type FetchRecord = (system: string, entity: string, id: string) => Promise<unknown>;

export interface EvaluateRequest {
  file?: unknown;
  /** The edited text; absent: the file as saved. */
  text?: unknown;
  /** A pasted record (JSON object). */
  record?: unknown;
  /** Name of one of the mapping's test cases: its input, links and variables. */
  case?: unknown;
  /** `{ id }`: the record fetched from the system (needs a connected playground). */
  live?: unknown;
  /** For a pasted or live record: `to-target` (a source record, default) or `to-source`. */
  direction?: unknown;
  /** `$link` answers for a pasted or live record: mapping → key → id. */
  links?: unknown;
  /**
   * Variables for a pasted or live record (the shop and PowerOffice settings a mapping reads,
   * e.g. `$source_settings`); absent: those of the mapping's first test case that has any,
   * so a mapping that reads run settings evaluates offline as its tests do.
   */
  variables?: unknown;
}

export interface EvaluateResult {
  file: string;
  /** Every diagnostic of the project with the edit in place (this file's and the others'). */
  diagnostics: Diagnostic[];
  /** What was evaluated (absent: no record was given, or the mapping did not compile). */
  direction?: RecordToMap['direction'];
  input?: unknown;
  payload?: unknown;
  /** Two-way mappings: the payload mapped back to the source. */
  reverse?: unknown;
  /** The evaluation's error, at its position inside the expression. */
  failure?: Diagnostic;
  reverseFailure?: Diagnostic;
  /** `$link` calls no stub answered (`mapping:key`): their properties are empty. */
  unlinked: string[];
  hardTimeoutMs: number;
}

export interface EvaluateEnvironment {
  workspace: PlaygroundWorkspace;
  evaluator: PlaygroundEvaluator;
  fetchRecord?: FetchRecord;
}

export async function evaluateMapping(
  env: EvaluateEnvironment,
  request: EvaluateRequest,
): Promise<EvaluateResult> {
  const file = await mappingFileOf(env.workspace, request.file);
  if (request.text !== undefined && typeof request.text !== 'string') {
    throw new PlaygroundError(400, '"text" must be a string');
  }
  const checked = await checkWorkspace(
    env.workspace,
    request.text === undefined ? undefined : new Map([[file, request.text]]),
  );
  const result: EvaluateResult = {
    file: file.file,
    diagnostics: checked.diagnostics,
    unlinked: [],
    hardTimeoutMs: env.evaluator.hardTimeoutMs,
  };
  const mapping = checked.mappings.find((m) => m.file === file.file);
  const record = await recordOf(env, request, mapping, checked.tests);
  if (!mapping || !record) return result;
  const unlinked = new Set<string>();
  const onUnlinked = (name: string, key: string) => unlinked.add(`${name}:${key}`);
  await env.evaluator.use(async (evaluator) => {
    result.direction = record.direction;
    result.input = record.input;
    const forward = await attempt(() => mapRecord(evaluator, mapping, record, { onUnlinked }), file.file);
    if ('failure' in forward) result.failure = forward.failure;
    else result.payload = forward.value;
    if ('value' in forward && backFlows(mapping, record, forward.value)) {
      const back = await reverseOf(evaluator, mapping, record, forward.value, onUnlinked, file.file);
      if ('failure' in back) result.reverseFailure = back.failure;
      else result.reverse = back.value;
    }
  });
  result.unlinked = [...unlinked].sort();
  return result;
}

/** The record a request asks to map, or undefined when it names none. */
async function recordOf(
  env: EvaluateEnvironment,
  request: EvaluateRequest,
  mapping: CompiledMapping | undefined,
  tests: readonly MappingTestFile[],
): Promise<RecordToMap | undefined> {
  const given = ['record', 'case', 'live'].filter((k) => request[k as keyof EvaluateRequest] !== undefined);
  if (given.length > 1) throw new PlaygroundError(400, 'give one of "record", "case" and "live"');
  if (given.length === 0 || !mapping) return undefined;
  if (request.case !== undefined) {
    const cases = tests.filter((t) => t.mapping === mapping.name).flatMap((t) => t.cases);
    const found = cases.find((c) => c.name === request.case);
    if (!found)
      throw new PlaygroundError(400, `mapping "${mapping.name}" has no test case "${String(request.case)}"`);
    return found;
  }
  const direction = directionOf(request.direction);
  const links = linksOf(request.links);
  const variables = variablesOf(request.variables, mapping, tests);
  if (request.record !== undefined) {
    if (!isRecord(request.record)) throw new PlaygroundError(400, '"record" must be a JSON object');
    return { direction, input: request.record, links, variables };
  }
  const id = isRecord(request.live) ? request.live.id : undefined;
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
    throw new PlaygroundError(400, '"live" must be { "id": "<record id>" }');
  }
  if (!env.fetchRecord) {
    throw new PlaygroundError(400, 'this playground is not connected to the systems: paste a record instead');
  }
  const side = direction === 'to-source' ? mapping.target : mapping.source;
  let input: unknown;
  try {
    input = await env.fetchRecord(side.system, side.entity, String(id));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PlaygroundError(
      502,
      `${side.system} ${side.entity} ${String(id)} could not be read: ${message}`,
    );
  }
  if (!isRecord(input)) throw new PlaygroundError(404, `${side.system} has no ${side.entity} ${String(id)}`);
  return { direction, input, links, variables };
}

/** The variables a pasted or live record is evaluated with (see `EvaluateRequest.variables`). */
function variablesOf(
  given: unknown,
  mapping: CompiledMapping,
  tests: readonly MappingTestFile[],
): Record<string, unknown> {
  if (given !== undefined) {
    if (!isRecord(given)) throw new PlaygroundError(400, '"variables" must be a JSON object');
    return given;
  }
  const cases = tests.filter((t) => t.mapping === mapping.name).flatMap((t) => t.cases);
  const withVariables = cases.find((c) => Object.keys(c.variables).length > 0);
  return withVariables ? { ...withVariables.variables } : {};
}

/** A two-way mapping's payload travels back like a target record does (not fan-out, not skipped). */
function backFlows(mapping: CompiledMapping, record: RecordToMap, payload: unknown): boolean {
  return (
    mapping.direction === 'two-way' &&
    record.direction === 'to-target' &&
    !mapping.fanOut &&
    isRecord(payload) &&
    payload.skipped !== true
  );
}

function reverseOf(
  evaluator: MappingEvaluator,
  mapping: CompiledMapping,
  record: RecordToMap,
  payload: unknown,
  onUnlinked: (name: string, key: string) => void,
  file: string,
) {
  const back: RecordToMap = { ...record, direction: 'to-source', input: payload };
  return attempt(() => mapRecord(evaluator, mapping, back, { onUnlinked }), file);
}

type Attempt = { value: unknown } | { failure: Diagnostic };

async function attempt(work: () => Promise<unknown>, file: string): Promise<Attempt> {
  try {
    return { value: toPlain(await work()) };
  } catch (error) {
    return { failure: failureDiagnostic(error, file) };
  }
}

/** A runtime error as a diagnostic: its `file:line:col:` prefix is the position. */
export function failureDiagnostic(error: unknown, file: string): Diagnostic {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof MapsyncError ? error.code : 'MAP_EVAL_ERROR';
  const at = /^(.+?):(\d+):(\d+): ([\s\S]*)$/.exec(message);
  if (!at) return { file, line: 0, col: 0, severity: 'error', code, message };
  return { file: at[1]!, line: Number(at[2]), col: Number(at[3]), severity: 'error', code, message: at[4]! };
}

function directionOf(value: unknown): RecordToMap['direction'] {
  if (value === undefined || value === 'to-target') return 'to-target';
  if (value === 'to-source') return 'to-source';
  throw new PlaygroundError(400, '"direction" must be "to-target" or "to-source"');
}

function linksOf(value: unknown): RecordToMap['links'] {
  if (value === undefined) return {};
  if (!isRecord(value) || !Object.values(value).every(isRecord)) {
    throw new PlaygroundError(400, '"links" must be { mapping: { key: id } }');
  }
  return value as RecordToMap['links'];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
