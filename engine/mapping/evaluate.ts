/**
 * The runtime API of a compiled mapping: what the sync engine calls for every record, what
 * `mapsync test` and the playground call too (map-record.ts), so a mapping test and what
 * the playground shows prove what the engine will do. `mappingEvaluator(runner)` gives the API over a runner that decides
 * where expressions run (evaluator/runner.ts): the engine and `mapsync test` use the
 * worker pool with its hard time limit, unit tests may use `inProcessEvaluator`. What a
 * create sends is built from these values by payload.ts, for both of them.
 *
 * - Each record-level operation evaluates all its expressions in one batch (one round trip
 *   to a worker, not one per property); properties that are plain paths are read here and
 *   never go to a worker, and an operation without expressions sends nothing at all.
 * - Values are returned as `Map<path, value>` in each side's own vocabulary: target paths
 *   for values flowing to the target, source paths for values flowing to the source. Every
 *   property of that direction has an entry; `undefined` means "no value".
 * - Every value is converted to its property's type (`type` on the target side,
 *   `sourceType` on the source side), so `$link` ids arrive as integers where the schema
 *   says integer and "19.90" arrives as 19.9 for decimals.
 * - Expression failures reject with MappingRuntimeError (`MAP_EVAL_ERROR`,
 *   `MAP_EVAL_TIMEOUT`, `MAP_EVAL_DEPTH`, `MAP_COERCE_ERROR`, `MAP_CHILD_KEY`) naming the
 *   file and line; errors raised by `context.link` pass through unchanged.
 */
import { MappingRuntimeError } from '../errors.ts';
import { withLocalEvaluation } from './evaluator/local.ts';
import { type EvalItem, type ExpressionRunner, inProcessRunner } from './evaluator/runner.ts';
import type { CompiledMapping, CompiledProperty, EvaluationContext, MatchNormalization } from './model.ts';
import { buildRecord, CoercionError, coerce, getPath, matchKey, sameValue } from './values.ts';

export { buildRecord, coerce, getPath, isEmpty, matchKey, sameValue } from './values.ts';

/** One fan-out child: its stable key within the parent, the child value and its index. */
export interface ChildRecord {
  key: string;
  child: unknown;
  position: number;
}

const toTarget = (p: CompiledProperty): boolean => p.direction !== 'to-source';
const toSource = (p: CompiledProperty): boolean => p.direction !== 'to-target';

/** JSONata's truthiness (`$boolean`): empty strings, 0, empty arrays/objects and nothing are false. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some(truthy);
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** The evaluation context for one fan-out child: `$parent` and `$position` bound. */
export function childContext(ctx: EvaluationContext, parent: unknown, position: number): EvaluationContext {
  return { ...ctx, bindings: { ...ctx.bindings, parent, position } };
}

function childKeyError(mapping: CompiledMapping, detail: string): MappingRuntimeError {
  const { file, line, col } = mapping.fanOut!.key.position;
  return new MappingRuntimeError(
    'MAP_CHILD_KEY',
    `${file}:${line}:${col}: mapping "${mapping.name}", key: ${detail}`,
    mapping.name,
    'key',
  );
}

function convert(
  mapping: CompiledMapping,
  property: CompiledProperty,
  value: unknown,
  type: string,
): unknown {
  try {
    return coerce(value, type);
  } catch (error) {
    if (!(error instanceof CoercionError)) throw error;
    const { file, line, col } = property.position;
    throw new MappingRuntimeError(
      'MAP_COERCE_ERROR',
      `${file}:${line}:${col}: mapping "${mapping.name}", property "${property.target}": ${error.message}`,
      mapping.name,
      property.target,
      { cause: error },
    );
  }
}

function readAt(path: string, record: unknown, type: string): unknown {
  const raw = getPath(record, path);
  try {
    return coerce(raw, type);
  } catch {
    return raw; // what the system holds is compared as is
  }
}

const sides = new WeakMap<CompiledMapping, { target: CompiledProperty[]; source: CompiledProperty[] }>();

/**
 * The mapping's properties flowing to each side (to the source: those with a source path),
 * filtered once per mapping rather than for every record and child.
 */
function propertiesTo(mapping: CompiledMapping, side: 'target' | 'source'): readonly CompiledProperty[] {
  let known = sides.get(mapping);
  if (!known) {
    known = {
      target: mapping.properties.filter(toTarget),
      source: mapping.properties.filter((p) => toSource(p) && p.source !== undefined),
    };
    sides.set(mapping, known);
  }
  return known[side];
}

/** What a target record holds at each to-target/both property's path, in comparison form. */
export function readTargetValues(mapping: CompiledMapping, target: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const p of propertiesTo(mapping, 'target')) out.set(p.target, readAt(p.target, target, p.type));
  return out;
}

/** What a source record holds at each to-source/both property's path, in comparison form. */
export function readSourceValues(mapping: CompiledMapping, source: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const p of propertiesTo(mapping, 'source'))
    out.set(p.source!, readAt(p.source!, source, p.sourceType));
  return out;
}

/** The mapping operations of one record, over a runner. */
export interface MappingEvaluator {
  /** Target path → value the input yields, for to-target/both properties. */
  valuesForTarget(
    mapping: CompiledMapping,
    input: unknown,
    ctx: EvaluationContext,
  ): Promise<Map<string, unknown>>;
  /** Source path → value the target record yields, for to-source/both properties. */
  valuesForSource(
    mapping: CompiledMapping,
    target: unknown,
    ctx: EvaluationContext,
  ): Promise<Map<string, unknown>>;
  /** One expression of the mapping (an action's `when` or write-back value) on `input`. */
  evaluate(expression: CompiledMappingExpression, input: unknown, ctx: EvaluationContext): Promise<unknown>;
  /**
   * Get ready before the first evaluation (the worker pool's workers started and ready);
   * resolves whatever happens (a worker that cannot start fails the evaluations that need it).
   */
  warmUp?(): Promise<void>;
  /** Does this source record take part (`when`)? True when the mapping has no `when`. */
  passesWhen(mapping: CompiledMapping, source: unknown, ctx: EvaluationContext): Promise<boolean>;
  /** Is this target record locked (`target.locked_when`)? The engine then never writes to it. */
  isLocked(mapping: CompiledMapping, target: unknown, ctx: EvaluationContext): Promise<boolean>;
  /**
   * Fan-out: the children of a source record, always as an array (an order with one line
   * yields one child, not the line itself), each with a stable key unique within the record.
   */
  expandChildren(mapping: CompiledMapping, source: unknown, ctx: EvaluationContext): Promise<ChildRecord[]>;
  /** Target path → value in the target record (comparison form), for to-target/both properties. */
  readTargetValues(mapping: CompiledMapping, target: unknown): Map<string, unknown>;
  /** Source path → value in the source record (or child), for to-source/both properties. */
  readSourceValues(mapping: CompiledMapping, source: unknown): Map<string, unknown>;
  /** Nest dotted paths into a record. */
  buildRecord(values: Iterable<readonly [string, unknown]>): Record<string, unknown>;
  /** Canonical equality (null = missing = ""; decimals by value). The only equality the engine uses. */
  sameValue(a: unknown, b: unknown, type?: string, normalize?: MatchNormalization): boolean;
  /** Normalised match key, or undefined when the value cannot match anything (empty). */
  matchKey(value: unknown, normalize: MatchNormalization): string | undefined;
}

export function mappingEvaluator(expressionRunner: ExpressionRunner): MappingEvaluator {
  const runner = withLocalEvaluation(expressionRunner);
  /** Evaluate the computed ones in one batch; read the plain ones here. */
  async function values(
    mapping: CompiledMapping,
    properties: readonly CompiledProperty[],
    input: unknown,
    ctx: EvaluationContext,
    side: 'target' | 'source',
  ): Promise<Map<string, unknown>> {
    const toTargetSide = side === 'target';
    const items: EvalItem[] = [];
    for (const p of properties) {
      const expression = toTargetSide ? p.toTarget : p.toSource;
      if (expression) items.push({ expression, input });
    }
    const computed = await runner.evaluate(items, ctx);
    const out = new Map<string, unknown>();
    let next = 0;
    for (const property of properties) {
      const path = toTargetSide ? property.source : property.target;
      const raw = (toTargetSide ? property.toTarget : property.toSource)
        ? computed[next++]
        : path !== undefined
          ? getPath(input, path)
          : undefined;
      if (toTargetSide) out.set(property.target, convert(mapping, property, raw, property.type));
      else out.set(property.source!, convert(mapping, property, raw, property.sourceType));
    }
    return out;
  }

  const one = async (expression: CompiledMappingExpression, input: unknown, ctx: EvaluationContext) =>
    (await runner.evaluate([{ expression, input }], ctx))[0];

  const evaluator: MappingEvaluator = {
    warmUp: async () => {
      await expressionRunner.warm?.();
    },
    valuesForTarget: (mapping, input, ctx) =>
      // A property with neither source nor to_target yields nothing (rejected at validation).
      values(mapping, propertiesTo(mapping, 'target'), input, ctx, 'target'),
    valuesForSource: (mapping, target, ctx) =>
      values(mapping, propertiesTo(mapping, 'source'), target, ctx, 'source'),
    evaluate: (expression, input, ctx) => one(expression, input, ctx),
    passesWhen: async (mapping, source, ctx) =>
      mapping.when ? truthy(await one(mapping.when, source, ctx)) : true,
    isLocked: async (mapping, target, ctx) =>
      mapping.target.lockedWhen ? truthy(await one(mapping.target.lockedWhen, target, ctx)) : false,
    async expandChildren(mapping, source, ctx) {
      const fanOut = mapping.fanOut;
      if (!fanOut) return [];
      const value = await one(fanOut.each, source, ctx);
      const children = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
      // A key that reads no variable (`key: ref`, the usual) needs no bindings built per child.
      const bound = fanOut.key.reads.length > 0;
      const keys = await runner.evaluate(
        children.map((child, position) =>
          bound
            ? {
                expression: fanOut.key,
                input: child,
                bindings: childContext(ctx, source, position).bindings!,
              }
            : { expression: fanOut.key, input: child },
        ),
        ctx,
      );
      const seen = new Set<string>();
      return children.map((child, position) => {
        const rawKey = keys[position];
        if (rawKey === undefined || rawKey === null || rawKey === '' || typeof rawKey === 'object') {
          throw childKeyError(mapping, `child ${position} has no usable key (got ${JSON.stringify(rawKey)})`);
        }
        const key = String(rawKey);
        if (seen.has(key)) throw childKeyError(mapping, `two children have the key "${key}"`);
        seen.add(key);
        return { key, child, position };
      });
    },
    readTargetValues,
    readSourceValues,
    buildRecord: (entries) => buildRecord(entries),
    sameValue: (a, b, type, normalize) => sameValue(a, b, type, normalize),
    matchKey,
  };
  return evaluator;
}

type CompiledMappingExpression = NonNullable<CompiledMapping['when']>;

/**
 * Evaluation on the calling thread: JSONata's step-based limits only. For unit tests and
 * tools that evaluate a handful of records; the engine and `mapsync test` use the pool.
 */
export const inProcessEvaluator: MappingEvaluator = mappingEvaluator(inProcessRunner);
