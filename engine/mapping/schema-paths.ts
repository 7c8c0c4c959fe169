/**
 * Checks one property path of a mapping against an entity schema and reports what is wrong
 * with it where it is written: an unknown name (with "did you mean"), and helpers to judge
 * whether two schema types or a declared mapsync type and a schema type fit together.
 */
import { didYouMean } from '../diagnostics/did-you-mean.ts';
import type { PathSegment } from '../yaml/locate.ts';
import { type FieldInfo, type JsonSchema, resolvePath } from './entity-schema.ts';
import type { FileScope } from './file-scope.ts';
import type { ResolvedSide } from './resolve-side.ts';

/** Resolve `path` on `side`; reports MAP_UNKNOWN_PROPERTY at `at` and returns undefined when absent. */
export function checkPath(
  scope: FileScope,
  side: ResolvedSide | undefined,
  path: string,
  at: readonly PathSegment[],
  options: { schema?: JsonSchema; where?: 'key' | 'value'; what?: string } = {},
): FieldInfo | undefined {
  const schema = options.schema ?? side?.schema;
  if (!side || !schema) return undefined;
  const result = resolvePath(schema, path);
  if (result.ok) return result.field;
  const segments = path.split('.');
  const parent = segments.slice(0, result.index).join('.');
  const owner = parent ? `"${parent}" in ${side.kind} ${side.entity}` : `${side.kind} ${side.entity}`;
  const what = options.what ?? 'property';
  scope.report(
    at,
    'MAP_UNKNOWN_PROPERTY',
    `${owner} has no ${what} "${result.segment}"${didYouMean(result.segment, result.candidates)}`,
    { at: options.where ?? 'value' },
  );
  return undefined;
}

const widen = (type: string): string[] => (type === 'integer' ? ['integer', 'number'] : [type]);

/** Can a value of schema types `from` be stored as-is in a field of schema types `to`? */
export function schemaTypesFit(from: FieldInfo, to: FieldInfo): boolean {
  if (from.types.length === 0 || to.types.length === 0) return true;
  return from.types.some((s) => widen(s).some((t) => to.types.includes(t)));
}

const FITS: Record<string, string[]> = {
  string: ['string'],
  integer: ['integer', 'number'],
  number: ['number'],
  decimal: ['number', 'string'],
  boolean: ['boolean'],
  date: ['string'],
  'date-time': ['string'],
  object: ['object'],
  array: ['array'],
};

/** Does a declared mapsync `type` fit a field with these schema types? */
export function declaredTypeFits(type: string, field: FieldInfo): boolean {
  if (field.types.length === 0) return true;
  return (FITS[type] ?? []).some((t) => field.types.includes(t));
}

/** The JSON type name of a constant, as schemas spell types. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
