/**
 * Reads a system's options (its block of mapsync.yaml after `${ENV}` interpolation, or a
 * config built in code) against its kind's options fragment — the same fragment the
 * generated mapsync.schema.json is made of, so the file check and this reader cannot
 * disagree. Values from the environment arrive as strings: numbers and flags are
 * converted (`"30"` → 30, `"true"` → true); an empty value counts as absent; defaults are
 * filled in. Every problem is collected and thrown as one ConfigError. Messages name keys,
 * never values, so a secret is never echoed.
 */
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject } from 'ajv';
import { ConfigError } from '../errors.ts';
import type { ConnectorSpec, OptionsOf, OptionsSchema } from './spec.ts';

export type OptionsReader<S extends OptionsSchema> = (raw: Readonly<Record<string, unknown>>) => OptionsOf<S>;

/** The option keys of a fragment that hold secrets (`writeOnly: true`). */
export function secretKeysOf(schema: OptionsSchema): string[] {
  return Object.entries(schema.properties)
    .filter(([, option]) => option.writeOnly === true)
    .map(([key]) => key);
}

/**
 * The reader of one kind's options (its fragment compiled once): it checks, converts and
 * defaults `raw` (the `connector` key is ignored) and throws one ConfigError listing every
 * problem. Keys under a Symbol pass through untouched: they carry in-process handles that
 * no YAML can write (see the memory connector).
 */
export function optionsReader<S extends OptionsSchema>(
  spec: Pick<ConnectorSpec<S>, 'kind' | 'options' | 'check'>,
): OptionsReader<S> {
  // AJV is loaded when a connector is first built, not with the registry (`mapsync validate`
  // never builds one); `require` keeps this synchronous.
  const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
  // validateSchema off, as for the document schemas (yaml/document-schemas.ts): checking the
  // fragment against the JSON Schema meta-schema compiled the meta-schema first, for every
  // reader, ~4/5 of its cost (20-30 ms a connector on a quiet machine, 70-150 ms on a loaded
  // one; `mapsync sync` builds two before its first request). The fragments are checked
  // against the meta-schema by test/mapping/schemas.test.ts instead.
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: true,
    useDefaults: true,
    strict: true,
    validateSchema: false,
  });
  const validate = ajv.compile({ ...spec.options, additionalProperties: false });
  return (raw) => {
    const options: Record<string, unknown> = { ...raw };
    delete options.connector;
    for (const key of Object.keys(options)) {
      if (options[key] === undefined || options[key] === null || options[key] === '') delete options[key];
    }
    const problems = validate(options) ? [] : (validate.errors ?? []).map((e) => describe(e, spec.options));
    if (spec.check) problems.push(...spec.check(options as Partial<OptionsOf<S>>));
    if (problems.length > 0) {
      throw new ConfigError('CONFIG_INVALID', `${spec.kind} connector config: ${problems.join('; ')}`);
    }
    return options as OptionsOf<S>;
  };
}

function describe(error: ErrorObject, schema: OptionsSchema): string {
  const path = error.instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  // A row of a table option (`sales_accounts.reduced-rate`, `sales_accounts.""`), checked against the table's values.
  const row = path.slice(1).join('/');
  const key = path.length > 1 ? `${path[0]}.${row === '' ? '""' : row}` : path[0]!;
  const params = error.params as Record<string, unknown>;
  const declared = schema.properties[path[0]!];
  const option = (
    path.length > 1 && declared?.type === 'object'
      ? (declared.properties?.[row] ?? declared.additionalProperties)
      : declared
  ) as { type?: unknown; minimum?: number; maximum?: number } | undefined;
  switch (error.keyword) {
    case 'minimum':
    case 'maximum':
      // The whole range in one message, as a person would write it ("from 1 to 100").
      if (option?.minimum !== undefined && option.maximum !== undefined) {
        const what = option.type === 'integer' ? 'an integer' : 'a number';
        return `"${key}" must be ${what} from ${option.minimum} to ${option.maximum}`;
      }
      return `"${key}" ${error.message ?? 'is out of range'}`;
    case 'additionalProperties':
      return `unknown option "${String(params.additionalProperty)}"`;
    case 'required':
      return path[0] === ''
        ? `"${String(params.missingProperty)}" is required`
        : `"${path[0]}" needs the key ${JSON.stringify(params.missingProperty)}`;
    case 'enum':
      return `"${key}" must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'type':
      return `"${key}" must be ${params.type === 'integer' ? 'an integer' : `a ${String(params.type)}`}`;
    default:
      return `"${key}" ${error.message ?? 'is invalid'}`;
  }
}

/** Problems of an http(s) URL option: scheme, credentials, query string. */
export function httpUrlProblems(key: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return [`"${key}" is not a valid URL`];
  }
  const problems: string[] = [];
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    problems.push(`"${key}" must be an http(s) URL`);
  if (parsed.username || parsed.password) problems.push(`"${key}" must not contain credentials`);
  if (parsed.search) problems.push(`"${key}" must not contain a query string`);
  return problems;
}

/** `https://host/path/` → `https://host/path` (origin and path, no trailing slash). */
export function baseUrlOf(value: string): string {
  const parsed = new URL(value);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}
