/**
 * The sandbox's clock for `DateTimeOffset` values. PowerOffice Go returns timestamps with 7
 * fractional digits (`2024-05-01T10:00:00.1234567+00:00`); every change gets a value strictly
 * later than the previous one, so no two records ever share a LastChangedDateTimeOffset and
 * a strictly-greater-than cursor can never skip or repeat a change.
 *
 * Deliberately independent of the connector's own timestamp code, so that a parsing bug in
 * one is caught by the other.
 */

const TICKS_PER_MS = 10_000n;
const TICKS_PER_SECOND = 10_000_000n;

/** Ticks (100 ns) since the epoch → `YYYY-MM-DDTHH:MM:SS.fffffff+00:00`. */
export function formatTicks(ticks: bigint): string {
  const seconds = ticks / TICKS_PER_SECOND;
  const fraction = ticks % TICKS_PER_SECOND;
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${iso}.${fraction.toString().padStart(7, '0')}+00:00`;
}

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(?: ?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Parse a timestamp as ASP.NET model binding would accept it in a query string or body:
 * ISO 8601 with `T` or a space, 0–7 fractional digits, `Z` or `±HH:MM` (optionally after a
 * space, as in the vendor's examples), or no offset (taken as UTC). An offset whose sign
 * was lost (a `+` sent unencoded in a query string turns into a space) is refused.
 */
export function parseTicks(value: string): bigint | undefined {
  const m = PATTERN.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', offset = 'Z'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59)
    return undefined;
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  }
  return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * TICKS_PER_MS + BigInt(frac.padEnd(7, '0'));
}

/** Hands out strictly increasing timestamps near the wall clock. */
export class Clock {
  private last = 0n;

  /** A new timestamp, later than every one handed out (or observed) before. */
  next(): string {
    // Sub-millisecond digits from the high-resolution clock so values look like the real
    // service's (not all zeros); monotonicity comes from `last`.
    const now = BigInt(Date.now()) * TICKS_PER_MS + ((process.hrtime.bigint() / 100n) % TICKS_PER_MS);
    this.last = now > this.last ? now : this.last + 1n;
    return formatTicks(this.last);
  }

  /** Make sure later values come after `value` (records inserted with explicit timestamps). */
  observe(value: string): void {
    const ticks = parseTicks(value);
    if (ticks !== undefined && ticks > this.last) this.last = ticks;
  }

  /** For persistence. */
  get lastTicks(): bigint {
    return this.last;
  }

  set lastTicks(value: bigint) {
    this.last = value;
  }
}

/** Canonical form of a timestamp (7 digits, `+00:00`), or undefined when unparsable. */
export function canonical(value: string): string | undefined {
  const ticks = parseTicks(value);
  return ticks === undefined ? undefined : formatTicks(ticks);
}
