/**
 * Compiles one JSONata expression of a mapping file, once, with mapsync's helpers registered
 * and runtime guardrails on. At validate time it reports syntax errors, unknown functions,
 * unknown variables and regexes the linear-time engine cannot run at their real
 * `file:line:col` (through the YAML scalar's offset map); at run time a failing, runaway or
 * too-deep evaluation rejects with a MappingRuntimeError naming file and line, so one bad
 * record fails alone instead of hanging the engine. Where it is evaluated (here, or in an
 * evaluation worker with a hard time limit) is the runner's business (evaluator/).
 */
import type jsonata from 'jsonata';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { didYouMean } from '../diagnostics/did-you-mean.ts';
import { MappingRuntimeError, MapsyncError } from '../errors.ts';
import { collectReferences, type FunctionCall, plainPathOf } from './ast-walk.ts';
import { isBounded, literalOf } from './evaluator/bounded.ts';
import { compileDirect } from './evaluator/direct.ts';
import { compileSequence } from './evaluator/direct-seq.ts';
import { type ExpressionLimits, evaluatePrepared, prepareExpression } from './evaluator/prepare.ts';
import { JSONATA_BUILTINS } from './functions/builtins.ts';
import { CONTEXT_BINDING, helpers } from './functions/index.ts';
import type { CompiledExpression, EvaluationContext, Side, SourcePosition } from './model.ts';
import { unsupportedRegex } from './regex-engine.ts';
import { SETTINGS_VARIABLE, settingReferences } from './settings-refs.ts';

export { DEFAULT_LIMITS, type ExpressionLimits } from './evaluator/prepare.ts';

/** Where an expression sits: its file, its mapping, and offset → file position. */
export interface ExpressionSite {
  readonly file: string;
  readonly mapping: string;
  /** What the expression is (`properties[3].to_target`), for messages. */
  readonly label: string;
  locate(offset: number): SourcePosition;
}

export interface ExpressionOptions {
  limits: ExpressionLimits;
  /** Mapping variables, bound as `$name` in every evaluation. */
  variables: Readonly<Record<string, unknown>>;
  /** Further variable names the engine binds (`parent`, `position`). */
  contextVariables: readonly string[];
  /**
   * Run settings per side (`$source_settings.<name>`): the connector kind and the names it
   * declares. A side that is absent offers none (its variable is unknown).
   */
  settings?: Partial<Record<Side, RunSettingNames>>;
  /** Lookups per side (`$fetch('<side>', '<name>', …)`): the connector kind and their names. */
  lookups?: Partial<Record<Side, RunSettingNames>>;
}

/** The run settings one side offers: its connector kind and their names. */
export interface RunSettingNames {
  kind: string;
  names: readonly string[];
}

export interface CompileResult {
  expression?: CompiledExpression;
  /** Offset in the expression text → position in the file. */
  locate(offset: number): SourcePosition;
  calls: (FunctionCall & { position: SourcePosition })[];
  diagnostics: Diagnostic[];
}

const KNOWN_FUNCTIONS = [...JSONATA_BUILTINS, ...Object.keys(helpers)];

export function compileExpression(
  text: string,
  site: ExpressionSite,
  options: ExpressionOptions,
): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const report = (offset: number, code: string, message: string, severity: 'error' | 'warning' = 'error') => {
    const { line, col } = site.locate(offset);
    diagnostics.push({ file: site.file, line, col, severity, code, message });
  };
  const spec = { text, limits: options.limits, variables: options.variables };
  let compiled: jsonata.Expression;
  try {
    compiled = prepareExpression(spec);
  } catch (error) {
    const e = error as { position?: number; token?: string; message?: string };
    report(tokenStart(e, text.length), 'EXPR_SYNTAX', `${site.label}: ${e.message ?? 'syntax error'}`);
    return { calls: [], diagnostics, locate: site.locate };
  }

  const refs = collectReferences(compiled.ast());
  for (const regex of refs.regexes) {
    const problem = unsupportedRegex(regex.regexp);
    if (problem) report(regex.offset, 'EXPR_REGEX_UNSUPPORTED', `${site.label}: ${problem}`);
  }
  const knownVariables = new Set<string>([
    '',
    '$',
    ...KNOWN_FUNCTIONS,
    ...refs.bound,
    ...Object.keys(options.variables),
    ...options.contextVariables,
    ...settingsVariables(options),
  ]);
  for (const call of refs.calls) {
    if (JSONATA_BUILTINS.has(call.name) || call.name in helpers || knownVariables.has(call.name)) continue;
    report(
      call.offset,
      'EXPR_UNKNOWN_FUNCTION',
      `${site.label}: unknown function $${call.name}${didYouMean(
        `$${call.name}`,
        [...KNOWN_FUNCTIONS, ...refs.bound].map((n) => `$${n}`),
      )}`,
    );
  }
  for (const variable of refs.variables) {
    if (knownVariables.has(variable.name)) continue;
    const candidates = [
      ...Object.keys(options.variables),
      ...options.contextVariables,
      ...settingsVariables(options),
      ...refs.bound,
    ];
    report(
      variable.offset,
      'EXPR_UNKNOWN_VARIABLE',
      `${site.label}: unknown variable $${variable.name}${didYouMean(
        `$${variable.name}`,
        candidates.map((n) => `$${n}`),
      )}`,
    );
  }
  for (const ref of settingReferences(compiled.ast())) {
    const offered = options.settings?.[ref.side];
    if (!offered || offered.names.includes(ref.name)) continue; // no settings: reported as unknown variable
    report(
      ref.offset,
      'MAP_UNKNOWN_SETTING',
      `${site.label}: ${offered.kind} has no run setting "${ref.name}"${didYouMean(ref.name, offered.names)}; $${SETTINGS_VARIABLE[ref.side]} offers: ${offered.names.join(', ')}`,
    );
  }
  for (const call of refs.calls) {
    const problem = call.name === 'fetch' ? fetchProblem(call, options.lookups) : undefined;
    if (problem) report(call.offset, problem.code, `${site.label}: ${problem.message}`);
  }
  const calls = refs.calls.map((call) => ({ ...call, position: site.locate(call.offset) }));
  const ast = compiled.ast();
  const plainPath = plainPathOf(ast);
  const constant = literalOf(ast);
  const callsLink = refs.calls.some((call) => call.name === 'link');
  // How it can be evaluated matters only to an evaluation (`validate` makes none, and this
  // was a fifth of compiling its expressions): worked out on first use, once.
  let evaluation: Evaluation | undefined;
  const how = () => (evaluation ??= evaluationOf(ast, plainPath, constant, options));
  const expression: CompiledExpression = {
    text,
    position: site.locate(0),
    mapping: site.mapping,
    label: site.label,
    spec,
    reads: [...new Set(refs.variables.map((v) => v.name))],
    links: [
      ...new Set(
        refs.calls
          .filter((call) => call.name === 'link' && call.args[0]?.type === 'string')
          .map((call) => String(call.args[0]!.value)),
      ),
    ],
    ...(plainPath ? { plainPath } : {}),
    ...(constant ? { constant } : {}),
    get bounded() {
      return how().bounded;
    },
    get direct() {
      return how().direct;
    },
    get directSized() {
      return how().directSized;
    },
    ...(callsLink ? { callsLink } : {}),
    evaluate: (input, context) => evaluateGuarded(compiled, input, context, site, options.variables),
    failure: (error) => runtimeError(error, site),
  };
  return { expression, calls, diagnostics, locate: site.locate };
}

type Evaluation = Pick<CompiledExpression, 'bounded' | 'direct' | 'directSized'>;

/** Whether an expression is bounded, and the closure it compiles to without JSONata, if any. */
function evaluationOf(
  ast: jsonata.ExprNode,
  plainPath: readonly string[] | undefined,
  constant: CompiledExpression['constant'],
  options: ExpressionOptions,
): Evaluation {
  // Values that are the same whatever the record: they weigh nothing in bounded.ts.
  const fixed = new Set(['position', ...Object.keys(options.variables), ...settingsVariables(options)]);
  const bounded = isBounded(ast, fixed);
  // A literal or a plain path is read without JSONata already. A `$link` is compiled only in
  // tail position, and made by the caller (evaluator/local.ts).
  const scalar = plainPath || constant ? undefined : compileDirect(ast, options.variables);
  // A bounded expression over arrays (salesorderline's `each`): JSONata's sequence semantics
  // restated, run only on inputs of ordinary size (evaluator/direct-seq.ts).
  const overArrays =
    plainPath || constant || scalar || !bounded ? undefined : compileSequence(ast, options.variables);
  return {
    ...(bounded ? { bounded } : {}),
    ...(scalar || overArrays ? { direct: scalar ?? overArrays } : {}),
    ...(overArrays ? { directSized: true } : {}),
  };
}

/** What is wrong with a `$fetch` call: sides and names are literals the connector declares. */
function fetchProblem(
  call: FunctionCall,
  lookups: ExpressionOptions['lookups'],
): { code: string; message: string } | undefined {
  const [side, name] = call.args.map((a) => (a.type === 'string' ? String(a.value) : undefined));
  if ((side !== 'source' && side !== 'target') || name === undefined)
    return {
      code: 'MAP_FETCH_ARGUMENTS',
      message: `$fetch takes the side and the lookup's name in quotes, then its arguments: $fetch('target', 'currency-rate', {…})`,
    };
  const offered = lookups?.[side];
  if (offered?.names.includes(name)) return undefined;
  return {
    code: 'MAP_UNKNOWN_LOOKUP',
    message: offered
      ? `${offered.kind} has no lookup "${name}"${didYouMean(name, offered.names)}; lookups: ${offered.names.join(', ')}`
      : `the ${side} system offers no lookups ($fetch('${side}', '${name}', …))`,
  };
}

/** `source_settings` / `target_settings` for the sides whose connector offers run settings. */
function settingsVariables(options: ExpressionOptions): string[] {
  return (['source', 'target'] as const)
    .filter((side) => options.settings?.[side] !== undefined)
    .map((side) => SETTINGS_VARIABLE[side]);
}

/** JSONata error positions point past the offending token; report where it starts. */
function tokenStart(error: { position?: number; token?: string }, length: number): number {
  const position = typeof error.position === 'number' ? error.position : 0;
  const token = error.token && error.token !== '(end)' ? error.token.length : 0;
  return Math.max(0, Math.min(position - token, Math.max(0, length - 1)));
}

async function evaluateGuarded(
  compiled: jsonata.Expression,
  input: unknown,
  context: EvaluationContext,
  site: ExpressionSite,
  variables: Readonly<Record<string, unknown>>,
): Promise<unknown> {
  const bindings = { ...variables, ...context.bindings, [CONTEXT_BINDING]: context };
  try {
    return await evaluatePrepared(compiled, input, bindings);
  } catch (error) {
    throw runtimeError(error, site);
  }
}

const RUNTIME_CODES: Record<string, string> = { D1012: 'MAP_EVAL_TIMEOUT', D1011: 'MAP_EVAL_DEPTH' };

function runtimeError(error: unknown, site: ExpressionSite): Error {
  // Errors the engine raised on purpose (a store failure inside $link, a connector error
  // while creating a linked record) keep their identity so the engine can act on them.
  if (error instanceof MapsyncError) return error;
  const e = (error ?? {}) as { code?: unknown; position?: number; token?: string; message?: string };
  const jsonataCode = typeof e.code === 'string' && /^[STDU]\d{4}$/.test(e.code) ? e.code : undefined;
  const code = (jsonataCode && RUNTIME_CODES[jsonataCode]) ?? 'MAP_EVAL_ERROR';
  const offset = typeof e.position === 'number' ? tokenStart(e, Number.MAX_SAFE_INTEGER) : 0;
  const { line, col } = site.locate(offset);
  const detail = e.message ?? String(error);
  const suffix = jsonataCode ? ` (JSONata ${jsonataCode})` : '';
  return new MappingRuntimeError(
    code,
    `${site.file}:${line}:${col}: mapping "${site.mapping}", ${site.label}: ${detail}${suffix}`,
    site.mapping,
    site.label,
    { cause: error },
  );
}
