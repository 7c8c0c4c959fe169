/**
 * PowerOffice Go timestamps (`DateTimeOffset`) carry up to 7 fractional second digits
 * (`2024-05-01T10:00:00.1234567+00:00`). A JavaScript `Date` keeps milliseconds only, so a
 * cursor that went through `Date` would lose the last 4 digits and re-read (or, rounded up,
 * skip) records changed within the same millisecond. Cursors therefore stay the exact
 * strings the API returned; this module compares them by their instant in 100 ns ticks
 * (bigint), whatever offset or number of digits each one uses.
 */

/** `YYYY-MM-DD[T ]HH:MM[:SS[.fffffff]][ ](Z|±HH:MM|±HHMM)`; also accepts no offset (= UTC). */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,7})\d*)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$/;

const TICKS_PER_MS = 10_000n;
const TICKS_PER_SECOND = 10_000_000n;

/**
 * The instant of a timestamp in 100 ns ticks since the Unix epoch, or `undefined` when the
 * string is not a timestamp. Digits beyond the 7th are ignored (truncated), as .NET does.
 */
export function toTicks(value: string): bigint | undefined {
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00', frac = '', offset = 'Z'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  let offsetMinutes = 0;
  if (offset !== 'Z' && offset !== 'z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  const fraction = BigInt(frac.padEnd(7, '0'));
  return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * TICKS_PER_MS + fraction;
}

/** Negative, zero or positive like a comparator; unparsable values sort first. */
export function compareTimestamps(a: string, b: string): number {
  const ta = toTicks(a);
  const tb = toTicks(b);
  if (ta === undefined || tb === undefined) {
    if (ta === tb) return 0;
    return ta === undefined ? -1 : 1;
  }
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

/** The later of two timestamps, returned as the original string (never reformatted). */
export function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareTimestamps(b, a) > 0 ? b : a;
}

/** A `Date` for `modifiedAt` (millisecond precision is enough for newest-wins). */
export function toDate(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const ticks = toTicks(value);
  return ticks === undefined ? undefined : new Date(Number(ticks / TICKS_PER_MS));
}

/**
 * `value` moved back by `ms`, formatted with 7 fractional digits in UTC (`+00:00`). Used
 * for overlap windows and guard look-ups, where the exact digits of the input do not
 * matter but the result must not lose precision.
 */
export function minusMs(value: string, ms: number): string | undefined {
  const ticks = toTicks(value);
  return ticks === undefined ? undefined : formatTicks(ticks - BigInt(Math.round(ms)) * TICKS_PER_MS);
}

/** Format ticks as `YYYY-MM-DDTHH:MM:SS.fffffff+00:00`. */
export function formatTicks(ticks: bigint): string {
  const seconds = ticks / TICKS_PER_SECOND;
  const fraction = ticks % TICKS_PER_SECOND;
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${iso}.${fraction.toString().padStart(7, '0')}+00:00`;
}

/** A JS date as a 7-digit UTC timestamp (for filters computed from our own clock). */
export function fromDate(date: Date): string {
  return formatTicks(BigInt(date.getTime()) * TICKS_PER_MS);
}
