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

  private validator(schema: string): ValidateFunction {
    let fn = this.compiled.get(schema);
    if (!fn) {
      const json = JSON.parse(readFileSync(new URL(schema, this.schemaRoot), 'utf8')) as Record<
        string,
        unknown
      >;
      // Create payloads are checked for what they contain, not for fields only the
      // server fills in; `$id`s are dropped so two validators never clash in one Ajv.
      const { $id: _id, ...rest } = json;
      fn = this.ajv.compile(rest);
      this.compiled.set(schema, fn);
    }
    return fn;
  }
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '/';
  return `${where} ${error.message ?? 'is invalid'}`;
}
