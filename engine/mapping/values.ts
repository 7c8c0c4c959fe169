/**
 * Values as the engine compares and writes them: reading and nesting dotted paths,
 * converting a value to a property's declared type, canonical equality and match keys.
 * These are the rules that make a sync converge: "" = null = missing, "19.90" = 19.9 for
 * decimals, the same instant in two notations is the same date-time, e-mail addresses match
 * whatever their case and surrounding spaces.
 */
import { isDeepStrictEqual } from 'node:util';
import { Decimal } from 'decimal.js';
import { parseInstant } from './functions/dates.ts';
import type { MatchNormalization } from './model.ts';

export const VALUE_TYPES = [
  'string',
  'integer',
  'number',
  'decimal',
  'boolean',
  'date',
  'date-time',
  'object',
  'array',
] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** `undefined`, `null` and `""` all mean "no value". */
export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The value at a dotted path (`billing.city`); numeric segments index arrays. */
export function getPath(record: unknown, path: string): unknown {
  // Most property paths are one name (`ExternalImportReference`): no split, no array.
  if (!path.includes('.'))
    return record !== null && typeof record === 'object'
      ? (record as Record<string, unknown>)[path]
      : undefined;
  let current: unknown = record;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Nest `{ 'MailAddress.City': 'Oslo' }` into `{ MailAddress: { City: 'Oslo' } }`; undefined values are left out. */
export function buildRecord(values: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [path, value] of values) {
    if (value === undefined) continue;
    if (!path.includes('.')) {
      record[path] = value;
      continue;
    }
    const segments = path.split('.');
    let node = record;
    for (const segment of segments.slice(0, -1)) {
      const next = node[segment];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[segments.at(-1)!] = value;
  }
  return record;
}

/**
 * Thrown by {@link coerce} when a value cannot be read as the requested type. The message
 * names the type and the rule, never the value (it may be personal data and ends up in
 * failure reasons and logs); `value` carries it for the failed record's details.
 */
export class CoercionError extends Error {
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

const OUT_OF_SAFE_RANGE = `out of range: whole numbers must lie within ±${Number.MAX_SAFE_INTEGER}, where a number holds every integer exactly`;

/** Significant digits a JSON number (an IEEE double) holds exactly. */
export const EXACT_DIGITS = 15;

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A plain decimal text (no exponent) of at most EXACT_DIGITS digits: a double holds it exactly. */
const SHORT_PLAIN = /^[+-]?(?=(?:\.?\d){1,15}\.?$)\d*\.?\d*$/;
/** A whole number of at most EXACT_DIGITS digits: a safe integer, read exactly by Number(). */
const SHORT_INTEGER = /^[+-]?\d{1,15}$/;

function numericText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return value.trim();
  return undefined;
}

const fail = (value: unknown, type: string, why?: string): never => {
  throw new CoercionError(why ?? `cannot convert ${describeKind(value)} to ${type}`, value);
};

/** What a value is, without showing it: `a string of 12 characters`, `an object`. */
function describeKind(value: unknown): string {
  if (typeof value === 'string')
    return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A number the target can be sent: finite, and for decimals exactly what the text says
 * (a JSON number is an IEEE double; "12345678901234567.89" would arrive as another value).
 */
function toNumber(value: unknown, type: string): number {
  const text = numericText(value);
  if (text === undefined) {
    if (typeof value === 'number') fail(value, type, `${String(value)} is not a finite number`);
    return fail(value, type);
  }
  const n = Number(text);
  if (!Number.isFinite(n))
    fail(value, type, `out of range: numbers must lie within ±${Number.MAX_VALUE.toExponential(3)}`);
  // A number, or a text that is the number's own shortest form, is exact as it is; so is a
  // plain text of at most EXACT_DIGITS digits ("19.90": a double holds 15 significant digits
  // exactly); only other texts ("1e3", 20 digits) are compared in decimal.
  if (
    type === 'decimal' &&
    typeof value !== 'number' &&
    String(n) !== text &&
    !SHORT_PLAIN.test(text) &&
    !new Decimal(text).eq(new Decimal(n))
  )
    fail(value, type, `has more than ${EXACT_DIGITS} significant digits, more than a number holds exactly`);
  // Beyond 2^53 a double no longer holds every integer: the shop's stock 9007199254740993
  // arrives as ...992 (JSON.parse rounds it before anyone sees it), and sending that on
  // would change the figure without a word.
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) fail(value, type, OUT_OF_SAFE_RANGE);
  return n;
}

/**
 * Convert `value` to `type`. `undefined` stays undefined, `null` stays null, and `""` is
 * null for every type but string. Throws a {@link CoercionError} for values that do not fit.
 */
export function coerce(value: unknown, type: string): unknown {
  if (value === undefined || value === null) return value;
  if (value === '' && type !== 'string') return null;
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number')
        return Number.isFinite(value) ? new Decimal(value).toFixed() : fail(value, type);
      if (typeof value === 'boolean') return String(value);
      return fail(value, type);
    case 'integer': {
      // The common cases without decimal.js: a safe integer (as Decimal gives it back: -0 as 0),
      // a short whole-number text.
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value === 0 ? 0 : value;
      if (typeof value === 'string' && SHORT_INTEGER.test(value)) return Number(value);
      const text = numericText(value) ?? fail(value, type);
      const d = new Decimal(text);
      if (!d.isInteger()) fail(value, type);
      if (!Number.isSafeInteger(d.toNumber())) fail(value, type, OUT_OF_SAFE_RANGE);
      return d.toNumber();
    }
    case 'number':
    case 'decimal':
      return toNumber(value, type);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === 0) return value === 1;
      if (typeof value === 'string') {
        const text = value.trim().toLowerCase();
        if (['true', 'yes', '1'].includes(text)) return true;
        if (['false', 'no', '0'].includes(text)) return false;
      }
      return fail(value, type);
    case 'date': {
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) {
        readInstant(value, type);
        return value.slice(0, 10);
      }
      return readInstant(value, type).toISOString().slice(0, 10);
    }
    case 'date-time':
      if (typeof value === 'string') {
        readInstant(value, type);
        return value;
      }
      return readInstant(value, type).toISOString();
    case 'object':
      return typeof value === 'object' && !Array.isArray(value) ? value : fail(value, type);
    case 'array':
      return Array.isArray(value) ? value : [value];
    default:
      return value;
  }
}

function readInstant(value: unknown, type: string): Date {
  try {
    return parseInstant(value, type) ?? fail(value, type);
  } catch {
    return fail(value, type);
  }
}

/**
 * Canonical equality under a property type (see the module comment). With `normalize`
 * (a property's `normalize: email|trim`), two texts are compared in that normal form.
 */
export function sameValue(a: unknown, b: unknown, type?: string, normalize?: MatchNormalization): boolean {
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  if (normalize && normalize !== 'exact' && typeof a === 'string' && typeof b === 'string') {
    return matchKey(a, normalize) === matchKey(b, normalize);
  }
  switch (type) {
    case 'integer':
    case 'number':
    case 'decimal': {
      // Two finite numbers are the same decimal exactly when they are the same double (each
      // reads as its shortest form, and distinct doubles have distinct shortest forms).
      if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b))
        return a === b;
      const x = numericText(a);
      const y = numericText(b);
      if (x !== undefined && y !== undefined) return x === y || new Decimal(x).eq(new Decimal(y));
      return isDeepStrictEqual(a, b);
    }
    case 'boolean':
      return attempt(() => coerce(a, 'boolean') === coerce(b, 'boolean')) ?? a === b;
    case 'date':
      return attempt(() => coerce(a, 'date') === coerce(b, 'date')) ?? a === b;
    case 'date-time':
      return attempt(() => readInstant(a, type).getTime() === readInstant(b, type).getTime()) ?? a === b;
    case 'object':
    case 'array':
      return deepSame(a, b);
    default:
      if (typeof a === 'object' || typeof b === 'object') return deepSame(a, b);
      return String(a) === String(b);
  }
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function deepSame(a: unknown, b: unknown): boolean {
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepSame(x, b[i]))
    );
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    return [...new Set([...Object.keys(x), ...Object.keys(y)])].every((key) => deepSame(x[key], y[key]));
  }
  return a === b;
}

/** The comparable form of a match value, or undefined when it is empty (never matches). */
export function matchKey(value: unknown, normalize: MatchNormalization): string | undefined {
  if (isEmpty(value)) return undefined;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  switch (normalize) {
    case 'email':
      return text.trim().normalize('NFC').toLowerCase() || undefined;
    case 'trim':
      return text.trim() || undefined;
    default:
      return text;
  }
}
