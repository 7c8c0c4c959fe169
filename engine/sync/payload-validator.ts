/**
 * Validates create payloads against the target entity's JSON Schema (`schemas/<kind>/…`)
 * before anything is sent: a record JSONata silently mapped to nonsense (an undefined
 * field, an e-mail that is not one) becomes a failed record naming the JSON pointer,
 * instead of a vendor 400 or, worse, a half-right record in an accounting system.
 * Schemas are compiled once per process and entity.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { RecordFailure } from './failures.ts';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const SCHEMAS = new URL('../../schemas/', import.meta.url);

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
}

export class PayloadValidator implements PayloadCheck {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly schemaRoot: URL = SCHEMAS) {
    this.ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(this.ajv);
  }

  /** Throws a `RecordFailure` (code `VALIDATION`) when `payload` does not fit `schema`. */
  check(schema: string, payload: unknown, what: string): void {
    const validate = this.validator(schema);
    if (validate(payload)) return;
    const problems = (validate.errors ?? []).slice(0, 5).map(describe).join('; ');
    throw new RecordFailure('VALIDATION', 'validation', `${what} does not fit ${schema}: ${problems}`, {
      request: { body: payload },
    });
  }

  checkValues(schema: string, record: unknown, paths: readonly string[], what: string): void {
    const picked: Record<string, unknown> = {};
    for (const path of paths) {
      const value = valueAt(record, path);
      if (value !== undefined) setAt(picked, path, value);
    }
    const validate = this.validator(schema, true);
    if (validate(picked)) return;
    const problems = (validate.errors ?? []).slice(0, 5).map(describe).join('; ');
    throw new RecordFailure(
      'VALIDATION',
      'validation',
      `${what}: invalid at the source (${schema}): ${problems}`,
      {
        details: { values: picked },
      },
    );
  }

  private validator(schema: string, partial = false): ValidateFunction {
    const key = `${partial ? 'partial:' : ''}${schema}`;
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

function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  return `${where} ${error.message ?? 'is invalid'}`;
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

function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  let node = root;
  for (const segment of segments.slice(0, -1)) {
    if (typeof node[segment] !== 'object' || node[segment] === null) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments.at(-1)!] = value;
}
