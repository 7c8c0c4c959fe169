/**
 * Validates a parsed YAML document against a JSON Schema (AJV, allErrors) and turns AJV's
 * errors into one readable diagnostic each, placed on the node they are about: unknown keys
 * at the key with a "did you mean", wrong types and bad values at the value, missing keys at
 * the object that lacks them. Raw AJV output is never shown: `anyOf` noise is reduced to the
 * branch that matches the value's type (or one "expected X or Y"), and `if` wrappers vanish.
 *
 * Codes are `<PREFIX>_UNKNOWN_KEY`, `_MISSING_KEY`, `_WRONG_TYPE`, `_INVALID_VALUE`, with the
 * prefix of the document kind (`MAP`, `CFG`, `TEST`).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { didYouMean } from '../diagnostics/did-you-mean.ts';
import { locate, pointerSegments } from './locate.ts';
import type { YamlSource } from './parse-source.ts';

export function checkSchema(
  source: YamlSource,
  value: unknown,
  validate: ValidateFunction,
  prefix: string,
): Diagnostic[] {
  if (validate(value)) return [];
  const errors = reduceAlternatives(validate.errors ?? []);
  // Errors inside propertyNames say why a key is not allowed; keep their message for the key.
  const keyReasons = new Map<string, string>();
  for (const e of errors) {
    const name = (e as { propertyName?: string }).propertyName;
    if (name !== undefined && e.keyword !== 'propertyNames')
      keyReasons.set(`${e.instancePath}\u0000${name}`, e.message ?? '');
  }
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of errors) {
    const diagnostic = toDiagnostic(source, error, prefix, keyReasons);
    if (!diagnostic) continue;
    const id = `${diagnostic.line}:${diagnostic.col}:${diagnostic.code}:${diagnostic.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(diagnostic);
  }
  return out;
}

/** Keep, for each anyOf/oneOf, only the errors of the branch whose type fits the value. */
function reduceAlternatives(errors: ErrorObject[]): ErrorObject[] {
  let result = errors.filter((e) => e.keyword !== 'if');
  const alternatives = result
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const alt of alternatives) {
    if (!result.includes(alt)) continue; // dropped with an outer branch
    const prefix = `${alt.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    // Every branch of the anyOf, also those whose errors come from a $ref (and so carry
    // another schemaPath): a branch without a type error at this path fits the value.
    const count = Array.isArray(alt.schema) ? alt.schema.length : 0;
    for (let i = 0; i < count; i++) branches.set(String(i), []);
    for (const e of result) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const typeFits = [...branches.entries()].filter(
      ([, list]) => !list.some((e) => e.keyword === 'type' && e.instancePath === alt.instancePath),
    );
    const inBranches = new Set([...branches.values()].flat());
    const keep = new Set(typeFits[0]?.[1] ?? []);
    // Say what else would have been accepted: "an integer or a ${VARIABLE} reference".
    const otherTypes = [...branches.entries()]
      .filter(([branch]) => branch !== typeFits[0]?.[0])
      .flatMap(([, list]) => list.filter((e) => e.keyword === 'type' && e.instancePath === alt.instancePath))
      .map((e) => String(e.params.type));
    for (const e of keep) {
      if (e.instancePath === alt.instancePath && otherTypes.length > 0)
        e.params = { ...e.params, alsoAllowed: otherTypes };
    }
    result = result.filter((e) => !inBranches.has(e) || keep.has(e));
    if (typeFits.length > 0) {
      result = result.filter((e) => e !== alt);
    } else {
      const types = [...branches.values()]
        .flat()
        .filter((e) => e.keyword === 'type' && e.instancePath === alt.instancePath)
        .map((e) => String(e.params.type));
      alt.params = { ...alt.params, expectedTypes: [...new Set(types)] };
    }
  }
  // A value of the wrong type also fails its enum/const/pattern: the type error says it all.
  const mistyped = new Set(result.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return result.filter(
    (e) =>
      e.keyword === 'type' || e.keyword === 'anyOf' || e.keyword === 'oneOf' || !mistyped.has(e.instancePath),
  );
}

/** `properties[3].target`, as a person would write the path. */
function pathText(segments: readonly string[]): string {
  return segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function toDiagnostic(
  source: YamlSource,
  error: ErrorObject,
  prefix: string,
  keyReasons: ReadonlyMap<string, string>,
): Diagnostic | undefined {
  const segments = pointerSegments(error.instancePath);
  const name = segments.length > 0 ? `"${pathText(segments)}"` : 'the document';
  const at = (path: readonly string[], where: 'key' | 'value', code: string, message: string): Diagnostic => {
    const { line, col } = locate(source, path, where);
    return { file: source.file, line, col, severity: 'error', code: `${prefix}_${code}`, message };
  };
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      const where = segments.length > 0 ? ` in ${name}` : '';
      return at(
        [...segments, key],
        'key',
        'UNKNOWN_KEY',
        `unknown key "${key}"${where}${didYouMean(key, known)}`,
      );
    }
    case 'required':
      return at(
        segments,
        'key',
        'MISSING_KEY',
        `${name} is missing the required key "${params.missingProperty}"${params.missingProperty === '' ? ' (the empty key, written "")' : ''}`,
      );
    case 'type':
      return at(
        segments,
        'value',
        'WRONG_TYPE',
        `${name} must be ${params.type}, not ${typeName(error.data)}`,
      );
    case 'anyOf':
    case 'oneOf': {
      const types = (params.expectedTypes as string[] | undefined) ?? [];
      const expected = types.length > 0 ? types.join(' or ') : 'one of the allowed forms';
      return at(segments, 'value', 'WRONG_TYPE', `${name} must be ${expected}, not ${typeName(error.data)}`);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return at(
        segments,
        'value',
        'INVALID_VALUE',
        `${name} is ${JSON.stringify(error.data)}, expected one of ${allowed.join(', ')}${didYouMean(String(error.data), allowed)}`,
      );
    }
    case 'const':
      return at(segments, 'value', 'INVALID_VALUE', `${name} must be ${JSON.stringify(params.allowedValue)}`);
    case 'propertyNames': {
      const key = String(params.propertyName);
      const reason = keyReasons.get(`${error.instancePath}\u0000${key}`);
      return at(
        [...segments, key],
        'key',
        'INVALID_KEY',
        `key "${key}" in ${name} is not allowed${reason ? `: it ${reason}` : ''}`,
      );
    }
    default: {
      // Errors inside propertyNames are summarised by the propertyNames error itself.
      if ((error as { propertyName?: string }).propertyName !== undefined) return undefined;
      const also = params.alsoAllowed as string[] | undefined;
      const title = (error.parentSchema as { title?: string } | undefined)?.title;
      if (also && title) {
        return at(
          segments,
          'value',
          'INVALID_VALUE',
          `${name} is ${JSON.stringify(error.data)}: expected ${also.join(' or ')} or ${title}`,
        );
      }
      return at(segments, 'value', 'INVALID_VALUE', `${name} ${error.message ?? 'is invalid'}`);
    }
  }
}
