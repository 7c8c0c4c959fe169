/**
 * Date helpers for the two APIs' conventions, so mappings never do string surgery on dates:
 * - WooCommerce `*_gmt` fields look like `2024-05-01T10:00:00`: no zone suffix, and they ARE
 *   UTC (the fields without `_gmt` are shop-local and should not be used).
 * - A business date ("which day was this order placed") depends on the shop's time zone:
 *   an order at 23:30 UTC on 30 April is a 1 May order in Oslo. IANA zones via Intl, so
 *   daylight saving time is right.
 * - PowerOffice Go DateTimeOffset values carry 7 fractional digits and an offset
 *   (`2024-05-01T10:00:00.0000000+00:00`).
 * Empty input (undefined, null, "") gives nothing; anything unreadable is an error.
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Read an instant: ISO 8601 with or without zone (no zone = UTC), or epoch milliseconds. */
export function parseInstant(value: unknown, fn: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value);
  if (typeof value !== 'string') throw new Error(`$${fn}: expected a date string, got ${typeof value}`);
  const m = ISO.exec(value.trim());
  if (!m) throw new Error(`$${fn}: "${value}" is not an ISO 8601 date`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = m;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = new Date(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms),
  );
  // Date.UTC silently rolls 30 February over to March: refuse dates that do not exist.
  if (
    Number.isNaN(local.getTime()) ||
    local.getUTCMonth() !== Number(mo) - 1 ||
    local.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    throw new Error(`$${fn}: "${value}" is not a valid date`);
  }
  let time = local.getTime();
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    time -= sign * offsetMinutes * 60_000;
  }
  const date = new Date(time);
  return date;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `$utcDateTime(value)`: ISO 8601 in UTC with a `Z` (`2024-05-01T10:00:00Z`). */
export function utcDateTime(value: unknown): string | undefined {
  const date = parseInstant(value, 'utcDateTime');
  return date?.toISOString().replace(/\.000Z$/, 'Z');
}

/** `$utcDate(value)`: the UTC calendar date (`2024-05-01`). */
export function utcDate(value: unknown): string | undefined {
  return parseInstant(value, 'utcDate')?.toISOString().slice(0, 10);
}

/** `$gmtDateTime(value)`: WooCommerce's `*_gmt` form (`2024-05-01T10:00:00`, UTC, no suffix). */
export function gmtDateTime(value: unknown): string | undefined {
  return parseInstant(value, 'gmtDateTime')?.toISOString().slice(0, 19);
}

/**
 * Formatters by time zone. Building an Intl.DateTimeFormat costs ~40 µs, using one ~4 µs;
 * a pure memo (a formatter is immutable), bounded in case zones come from data.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 64;

function dayFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
    } catch {
      throw new Error(`$zonedDate: unknown time zone "${zone}"`);
    }
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * Days already worked out, by zone and instant text: a sales order's date is asked for
 * about three times per order (its date, the payment's, the invoice's), each a
 * formatToParts of ICU's (about 3 µs). Cleared when full, as the formatters are.
 */
const days = new Map<string, string>();
const MAX_DAYS = 1024;

/** `$zonedDate(value, zone)`: the calendar date in an IANA time zone (`Europe/Oslo`). */
export function zonedDate(value: unknown, zone: unknown): string | undefined {
  const key = typeof value === 'string' && typeof zone === 'string' ? `${zone}\n${value}` : undefined;
  const known = key === undefined ? undefined : days.get(key);
  if (known !== undefined) return known;
  const date = parseInstant(value, 'zonedDate');
  if (date === undefined) return undefined;
  if (typeof zone !== 'string' || zone === '') throw new Error('$zonedDate: the time zone must be a string');
  const parts = dayFormatter(zone).formatToParts(date);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const day = `${get('year')}-${get('month')}-${get('day')}`;
  if (key !== undefined) {
    if (days.size >= MAX_DAYS) days.clear();
    days.set(key, day);
  }
  return day;
}

/** `$dateTimeOffset(value)`: PowerOffice's DateTimeOffset (`2024-05-01T10:00:00.0000000+00:00`). */
export function dateTimeOffset(value: unknown): string | undefined {
  const date = parseInstant(value, 'dateTimeOffset');
  if (date === undefined) return undefined;
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day}T${time}.${pad(date.getUTCMilliseconds(), 3)}0000+00:00`;
}
