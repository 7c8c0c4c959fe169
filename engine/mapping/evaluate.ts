/**
 * The runtime API of a compiled mapping: what the sync engine calls for every record, and
 * what `mapsync test` calls too, so a mapping test proves what the engine will do.
 *
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
import type { CompiledMapping, CompiledProperty, EvaluationContext } from './model.ts';
import { buildRecord, CoercionError, coerce, getPath } from './values.ts';

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

/** Does this source record take part (`when`)? True when the mapping has no `when`. */
export async function passesWhen(
  mapping: CompiledMapping,
  source: unknown,
  ctx: EvaluationContext,
): Promise<boolean> {
  return mapping.when ? truthy(await mapping.when.evaluate(source, ctx)) : true;
}

/** Is this target record locked (`target.locked_when`)? The engine then never writes to it. */
export async function isLocked(
  mapping: CompiledMapping,
  target: unknown,
  ctx: EvaluationContext,
): Promise<boolean> {
  return mapping.target.lockedWhen ? truthy(await mapping.target.lockedWhen.evaluate(target, ctx)) : false;
}

/** The evaluation context for one fan-out child: `$parent` and `$position` bound. */
export function childContext(ctx: EvaluationContext, parent: unknown, position: number): EvaluationContext {
  return { ...ctx, bindings: { ...ctx.bindings, parent, position } };
}

/**
 * Fan-out: the children of a source record, always as an array (an order with one line
 * yields one child, not the line itself), each with a stable key unique within the record.
 */
export async function expandChildren(
  mapping: CompiledMapping,
  source: unknown,
  ctx: EvaluationContext,
): Promise<ChildRecord[]> {
  const fanOut = mapping.fanOut;
  if (!fanOut) return [];
  const value = await fanOut.each.evaluate(source, ctx);
  const children = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  const seen = new Set<string>();
  const out: ChildRecord[] = [];
  for (const [position, child] of children.entries()) {
    const rawKey = await fanOut.key.evaluate(child, childContext(ctx, source, position));
    if (rawKey === undefined || rawKey === null || rawKey === '' || typeof rawKey === 'object') {
      throw childKeyError(mapping, `child ${position} has no usable key (got ${JSON.stringify(rawKey)})`);
    }
    const key = String(rawKey);
    if (seen.has(key)) throw childKeyError(mapping, `two children have the key "${key}"`);
    seen.add(key);
    out.push({ key, child, position });
  }
  return out;
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

/**
 * Values for the target, keyed by target path, for every to-target/both property.
 * `input` is the source record, or one child for fan-out (with a {@link childContext}).
 */
export async function valuesForTarget(
  mapping: CompiledMapping,
  input: unknown,
  ctx: EvaluationContext,
): Promise<Map<string, unknown>> {
  const values = new Map<string, unknown>();
  for (const property of mapping.properties.filter(toTarget)) {
    const raw = property.toTarget
      ? await property.toTarget.evaluate(input, ctx)
      : property.source !== undefined
        ? getPath(input, property.source)
        : undefined;
    values.set(property.target, convert(mapping, property, raw, property.type));
  }
  return values;
}

/** Values for the source, keyed by source path, for every to-source/both property. */
export async function valuesForSource(
  mapping: CompiledMapping,
  target: unknown,
  ctx: EvaluationContext,
): Promise<Map<string, unknown>> {
  const values = new Map<string, unknown>();
  for (const property of mapping.properties.filter(toSource)) {
    if (property.source === undefined) continue; // rejected at validation
    const raw = property.toSource
      ? await property.toSource.evaluate(target, ctx)
      : getPath(target, property.target);
    values.set(property.source, convert(mapping, property, raw, property.sourceType));
  }
  return values;
}

function readAt(path: string, record: unknown, type: string): unknown {
  const raw = getPath(record, path);
  try {
    return coerce(raw, type);
  } catch {
    return raw; // what the system holds is compared as is
  }
}

/** What a target record holds at each to-target/both property's path, in comparison form. */
export function readTargetValues(mapping: CompiledMapping, target: unknown): Map<string, unknown> {
  return new Map(
    mapping.properties.filter(toTarget).map((p) => [p.target, readAt(p.target, target, p.type)]),
  );
}

/** What a source record holds at each to-source/both property's path, in comparison form. */
export function readSourceValues(mapping: CompiledMapping, source: unknown): Map<string, unknown> {
  return new Map(
    mapping.properties
      .filter((p) => toSource(p) && p.source !== undefined)
      .map((p) => [p.source!, readAt(p.source!, source, p.sourceType)]),
  );
}

/** The record to create in the target: the `where` values plus every to-target/both value, nested. */
export async function createPayload(
  mapping: CompiledMapping,
  input: unknown,
  ctx: EvaluationContext,
): Promise<Record<string, unknown>> {
  const values = await valuesForTarget(mapping, input, ctx);
  return buildRecord([...Object.entries(mapping.target.where), ...values]);
}

/** The record to create in the source (two-way mappings with `create.in_source`). */
export async function createSourcePayload(
  mapping: CompiledMapping,
  target: unknown,
  ctx: EvaluationContext,
): Promise<Record<string, unknown>> {
  return buildRecord(await valuesForSource(mapping, target, ctx));
}
