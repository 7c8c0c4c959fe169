/**
 * RFC 6902 JSON Patch the way PowerOffice Go's ASP.NET endpoints apply it to a DTO:
 * path segments matched case-insensitively against the `*PatchDto` properties, nested
 * object paths (`/MailAddress/City`), array paths (`/ContactGroupIds/-`), `remove` on a
 * property meaning "set to null", and the vendor's error texts
 * ("CustomerPatchDto: The target location specified by path segment 'X' was not found.").
 *
 * The mechanics (pointer resolution, array ops, test) are fast-json-patch's; this module
 * resolves and checks paths first, then hands it canonical operations.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fjp, { type Operation } from 'fast-json-patch';
import { NESTED_PATCHABLE, PATCH_DTO_NAME, PATCHABLE, type PatchableEntity } from './patch-dtos.ts';
import { Problem } from './problem.ts';
import type { Rules } from './rules.ts';
import { findProperty, LABEL, type PropertySchema, SCHEMAS } from './schemas.ts';

// ajv-formats is CommonJS; its default export is the plugin function itself.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

interface Resolved {
  pointer: string;
  top: string;
  schema: PropertySchema;
  /** The nested object (MailAddress) or array (ContactGroupIds) the path points into. */
  container?: 'object' | 'array';
}

const ajv = new Ajv({ strict: false });
addFormats(ajv);
const valueValidators = new Map<string, ValidateFunction>();

function valueValidator(key: string, schema: PropertySchema): ValidateFunction {
  let v = valueValidators.get(key);
  if (!v) {
    const { description: _d, readOnly: _r, writeOnly: _w, ...rest } = schema;
    v = ajv.compile(rest);
    valueValidators.set(key, v);
  }
  return v;
}

const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export interface PatchResult {
  /** The complete writable view after the patch. */
  values: Record<string, unknown>;
  /** Top-level properties whose value changed. */
  changed: string[];
}

/**
 * Apply `body` (the raw request body) to `current` (the record's stored values). Throws a
 * `Problem` (400) for anything the service would refuse.
 */
export function applyJsonPatch(
  entity: PatchableEntity,
  current: Record<string, unknown>,
  body: unknown,
  rules: Pick<Rules, 'jsonPatchTest'> = { jsonPatchTest: true },
): PatchResult {
  const dto = PATCH_DTO_NAME[entity];
  const props = SCHEMAS[entity].properties;
  const fail = (message: string) =>
    new Problem(400, `${LABEL[entity]} validation error(s)`, `${dto}: ${message}`);

  if (!Array.isArray(body)) {
    throw new Problem(400, 'One or more validation errors occurred.', undefined, {
      $: ['The JSON value could not be converted to a JsonPatchDocument (an array of operations).'],
    });
  }

  const resolve = (rawPath: unknown, write: boolean): Resolved => {
    if (typeof rawPath !== 'string' || !rawPath.startsWith('/')) {
      throw fail(`The provided path '${String(rawPath)}' is not a valid JSON Pointer.`);
    }
    const segments = rawPath.slice(1).split('/').map(unescapePointer);
    const found = findProperty(props, segments[0]!);
    if (!found || found[1].writeOnly) {
      throw fail(`The target location specified by path segment '${segments[0]}' was not found.`);
    }
    const [top, schema] = found;
    if (write && !PATCHABLE[entity].includes(top))
      throw fail(`The property at path '${segments[0]}' could not be updated.`);
    if (segments.length === 1) return { pointer: `/${escapePointer(top)}`, top, schema };
    if (schema.properties && segments.length === 2) {
      const nested = findProperty(schema.properties, segments[1]!);
      if (!nested)
        throw fail(`The target location specified by path segment '${segments[1]}' was not found.`);
      if (write && !(NESTED_PATCHABLE[top] ?? []).includes(nested[0])) {
        throw fail(`The property at path '${segments[1]}' could not be updated.`);
      }
      return {
        pointer: `/${escapePointer(top)}/${escapePointer(nested[0])}`,
        top,
        schema: nested[1],
        container: 'object',
      };
    }
    const arrayType = Array.isArray(schema.type) ? schema.type.includes('array') : schema.type === 'array';
    if (arrayType && segments.length === 2 && /^(-|\d+)$/.test(segments[1]!)) {
      return {
        pointer: `/${escapePointer(top)}/${segments[1]}`,
        top,
        schema: schema.items ?? {},
        container: 'array',
      };
    }
    throw fail(`The target location specified by path segment '${segments[1]}' was not found.`);
  };

  const doc = writableView(props, current);
  const before = JSON.stringify(doc);
  const original = JSON.parse(before) as Record<string, unknown>;

  for (const raw of body) {
    if (raw === null || typeof raw !== 'object') throw fail('Each operation must be a JSON object.');
    const r = raw as Record<string, unknown>;
    const op = typeof r.op === 'string' ? r.op.toLowerCase() : '';
    if (!OPS.has(op)) throw fail(`Invalid JsonPatch operation '${String(r.op)}'.`);
    // ASP.NET Core's JsonPatch before 2.2: the op is known, its application is not.
    if (op === 'test' && !rules.jsonPatchTest) throw fail('The test operation is not supported.');
    const target = resolve(r.path, op !== 'test');
    const from = op === 'move' || op === 'copy' ? resolve(r.from, op === 'move') : undefined;

    let value: unknown = r.value ?? null;
    if (op === 'add' || op === 'replace' || op === 'test') {
      value = normaliseEnum(target.schema, value);
      if (op !== 'test' && !valueValidator(`${entity}:${target.pointer}`, target.schema)(value)) {
        throw fail(`The value '${display(value)}' is invalid for target location.`);
      }
    }

    if (target.container) {
      const parent = doc[target.top];
      if (parent === null || parent === undefined) {
        throw fail(
          `The target location specified by path segment '${target.pointer.split('/')[2]}' was not found.`,
        );
      }
    }

    let operation: Operation;
    if (op === 'remove') {
      operation =
        target.container === 'array'
          ? { op: 'remove', path: target.pointer }
          : { op: 'replace', path: target.pointer, value: null };
    } else if (op === 'move' || op === 'copy') {
      operation = { op, from: from!.pointer, path: target.pointer } as Operation;
    } else {
      operation = { op, path: target.pointer, value } as Operation;
    }

    try {
      fjp.applyOperation(doc, operation, true, true);
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TEST_OPERATION_FAILED') {
        throw fail(
          `The current value '${display(fjp.getValueByPointer(doc, target.pointer))}' at path '${target.pointer.slice(1)}' is not equal to the test value '${display(value)}'.`,
        );
      }
      if (name === 'OPERATION_VALUE_OUT_OF_BOUNDS' || name === 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX') {
        throw fail(
          `The index value provided by path segment '${target.pointer.split('/')[2]}' is out of bounds of the array size.`,
        );
      }
      throw fail(
        `The target location specified by path segment '${target.pointer.split('/').pop()}' was not found.`,
      );
    }
    // A move/copy may have put a value of the wrong type somewhere.
    if (op === 'move' || op === 'copy') {
      const moved = fjp.getValueByPointer(doc, target.pointer);
      if (!valueValidator(`${entity}:${target.pointer}`, target.schema)(moved)) {
        throw fail(`The value '${display(moved)}' is invalid for target location.`);
      }
    }
  }

  const changed = Object.keys(doc).filter((k) => JSON.stringify(doc[k]) !== JSON.stringify(original[k]));
  return { values: doc, changed };
}

/** Every writable property present (null when unset), nested objects completed the same way. */
export function writableView(
  props: Record<string, PropertySchema>,
  current: Record<string, unknown>,
): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(props)) {
    if (p.readOnly || p.writeOnly) continue;
    const value = current[name] ?? null;
    if (p.properties && value !== null && typeof value === 'object') {
      const nested: Record<string, unknown> = {};
      for (const [n, np] of Object.entries(p.properties))
        nested[n] = (value as Record<string, unknown>)[n] ?? (np.readOnly ? undefined : null);
      doc[name] = JSON.parse(JSON.stringify(nested));
    } else {
      doc[name] = JSON.parse(JSON.stringify(value));
    }
  }
  return doc;
}

function normaliseEnum(schema: PropertySchema, value: unknown): unknown {
  if (schema.enum && typeof value === 'string') {
    return schema.enum.find((e) => typeof e === 'string' && e.toLowerCase() === value.toLowerCase()) ?? value;
  }
  if (schema.properties && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const found = findProperty(schema.properties, k);
      if (found && !found[1].readOnly) out[found[0]] = normaliseEnum(found[1], v);
    }
    return out;
  }
  return value;
}

function display(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
