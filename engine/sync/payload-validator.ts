/**
 * Validates what the engine writes against the entity's JSON Schema (`schemas/<kind>/…`)
 * before anything is sent: create payloads whole, updates by the values they write. A
 * record JSONata silently mapped to nonsense (an undefined field, an e-mail that is not one,
 * a discount of 250 %, a price with more decimals than the target keeps) becomes a failed
 * record naming the property and the limit, instead of a vendor 400 or, worse, a value the
 * target silently rounds.
 *
 * The limits live in the entity schemas and nowhere else: standard keywords (`minimum`,
 * `maximum`, `maxLength`, `enum`, `format`) plus one mapsync keyword, `x-decimals` (the most
 * decimals a number may have), checked here in decimal arithmetic (a JSON Schema
 * `multipleOf: 0.01` is evaluated in binary floating point: 19.99 would fail it). Values
 * that no schema can hold — non-finite numbers, decimals beyond a double's precision — are
 * refused earlier, by the mapping language (`engine/mapping/plain.ts`, `values.ts`).
 *
 * A failure's reason names the JSON pointer and the limit; the offending values go to the
 * failed record's `details` (they may be personal data; see docs/sync-engine.md).
 * Schemas are compiled once per process and entity.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Decimal } from 'decimal.js';
import type { PatchOperation } from '../connectors/types.ts';
import { RecordFailure } from './failures.ts';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const SCHEMAS = new URL('../../schemas/', import.meta.url);

/** The mapsync keyword for "at most N decimals" (see the module comment). */
export const DECIMALS_KEYWORD = 'x-decimals';

/** Problems listed in a reason (all of them are in the details). */
const SHOWN = 5;

/** What the engine needs of a validator (tests may pass a permissive one). */
export interface PayloadCheck {
  /** Throws a `RecordFailure` (code `VALIDATION`) when `payload` does not fit `schema`. */
  check(schema: string, payload: unknown, what: string): void;
  /**
   * Checks the values a record holds at the given paths against its own entity schema
   * (other fields and `required` are ignored): data that is invalid at the source is
   * stopped before it is copied anywhere.
   */
  checkValues?(schema: string, record: unknown, paths: readonly string[], what: string): void;
  /** Checks the values an update writes (RFC 6902 `add`/`replace` ops) against the schema. */
  checkPatch?(schema: string, ops: readonly PatchOperation[], what: string): void;
  /**
   * Compiles the validators a run will need, one per event-loop turn, before the run's
   * records: compiling an entity schema takes tens of ms of CPU (hundreds of wall ms on a
   * loaded machine), which in the middle of a page of creates held the event loop (the
   * fuzz run's longest busy stretch: health probes waited behind it).
   */
  prepare?(schemas: ReadonlyArray<{ schema: string; partial: boolean }>): Promise<void>;
}

/** One value that does not fit, as kept in a failed record's details. */
export interface Violation {
  path: string;
  rule: string;
  value: unknown;
}

export class PayloadValidator implements PayloadCheck {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly schemaRoot: URL = SCHEMAS) {
    // `validateSchema: false`: the entity schemas are not checked against the JSON Schema
    // meta-schema at run time (compiling the meta-schema and checking each schema cost about
    // a third of the validators' start-up CPU); test/mapping/schemas.test.ts checks every one.
    this.ajv = new Ajv({
      allErrors: true,
      strict: false,
      validateFormats: true,
      verbose: true,
      validateSchema: false,
    });
    addFormats(this.ajv);
    this.ajv.addKeyword({
      keyword: DECIMALS_KEYWORD,
      type: 'number',
      schemaType: 'number',
      error: { message: (cxt) => `must have at most ${String(cxt.schemaValue)} decimals` },
      validate: (max: number, data: number) => new Decimal(data).decimalPlaces() <= max,
    });
  }

  /** Throws a `RecordFailure` (code `VALIDATION`) when `payload` does not fit `schema`. */
  check(schema: string, payload: unknown, what: string): void {
    const validate = this.validator(schema);
    if (validate(payload)) return;
    throw this.failure(`${what} does not fit ${schema}`, validate.errors, { request: { body: payload } });
  }

  checkValues(schema: string, record: unknown, paths: readonly string[], what: string): void {
    const picked: Record<string, unknown> = {};
    for (const path of paths) {
      const value = valueAt(record, path);
      if (value !== undefined) setAt(picked, path.split('.'), value);
    }
    const validate = this.validator(schema, true);
    if (validate(picked)) return;
    throw this.failure(`${what}: invalid at the source (${schema})`, validate.errors, {});
  }

  checkPatch(schema: string, ops: readonly PatchOperation[], what: string): void {
    const written: Record<string, unknown> = {};
    let any = false;
    for (const op of ops) {
      if ((op.op !== 'add' && op.op !== 'replace') || op.value === undefined) continue;
      const segments = op.path.split('/').slice(1).map(unescapePointer);
      if (segments.length === 0 || segments.some((s) => /^\d+$|^-$/.test(s))) continue;
      setAt(written, segments, op.value);
      any = true;
    }
    if (!any) return;
    const validate = this.validator(schema, true);
    if (validate(written)) return;
    throw this.failure(`${what} does not fit ${schema}`, validate.errors, { request: { body: ops } });
  }

  async prepare(schemas: ReadonlyArray<{ schema: string; partial: boolean }>): Promise<void> {
    for (const { schema, partial } of schemas) {
      if (this.compiled.has(keyOf(schema, partial))) continue;
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        this.validator(schema, partial);
      } catch {
        // Left to the record that needs it, where the failure was reported before.
      }
    }
  }

  /** The validators compiled so far (`partial:` prefixed for value checks). */
  compiledKeys(): string[] {
    return [...this.compiled.keys()];
  }

  private failure(
    prefix: string,
    errors: ErrorObject[] | null | undefined,
    extra: { request?: { body: unknown } },
  ): RecordFailure {
    const all = errors ?? [];
    const problems = all.slice(0, SHOWN).map(describe).join('; ');
    const more = all.length > SHOWN ? `; and ${all.length - SHOWN} more` : '';
    const violations: Violation[] = all.map((e) => ({
      path: e.instancePath || '/',
      rule: e.message ?? 'is invalid',
      value: e.data,
    }));
    return new RecordFailure('VALIDATION', 'validation', `${prefix}: ${problems}${more}`, {
      ...extra,
      details: { violations },
    });
  }

  private validator(schema: string, partial = false): ValidateFunction {
    const key = keyOf(schema, partial);
    let fn = this.compiled.get(key);
    if (!fn) {
      const json = JSON.parse(readFileSync(new URL(schema, this.schemaRoot), 'utf8')) as Record<
        string,
        unknown
      >;
      // `$id`s are dropped so two validators never clash in one Ajv; a partial check
      // (the values at some paths only) drops every `required`.
      const { $id: _id, ...rest } = json;
      fn = this.ajv.compile(partial ? (withoutRequired(rest) as Record<string, unknown>) : rest);
      this.compiled.set(key, fn);
    }
    return fn;
  }
}

const keyOf = (schema: string, partial: boolean) => `${partial ? 'partial:' : ''}${schema}`;

/** `/UnitPrice must be <= 100`: the place and the rule, never the value. */
function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  const message = error.message ?? 'is invalid';
  // Enum messages list the allowed values (schema facts, not data); keep them readable.
  return error.keyword === 'enum'
    ? `${where} ${message} (${(error.params as { allowedValues?: unknown[] }).allowedValues?.map((v) => JSON.stringify(v)).join(', ')})`
    : `${where} ${message}`;
}

function withoutRequired(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutRequired);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema as Record<string, unknown>)
      .filter(([k, v]) => !(k === 'required' && Array.isArray(v)))
      .map(([k, v]) => [k, withoutRequired(v)]),
  );
}

function valueAt(record: unknown, path: string): unknown {
  let node = record;
  for (const segment of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function setAt(root: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let node = root;
  for (const segment of segments.slice(0, -1)) {
    if (typeof node[segment] !== 'object' || node[segment] === null) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments.at(-1)!] = value;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
