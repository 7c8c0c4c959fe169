/**
 * Calendar dates (`YYYY-MM-DD`) as PowerOffice Go uses them: voucher, posting and due
 * dates are plain dates of the client, a Norwegian company, so "today" is today in
 * Europe/Oslo, not in UTC (an invoice made at 00:30 Oslo time on 2 January is dated the
 * 2nd although UTC still says the 1st).
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const osloDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const osloHour = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Oslo',
  hour: '2-digit',
  hour12: false,
});

/** Today's date in Oslo. */
export function osloToday(now = new Date()): string {
  return osloDate.format(now);
}

/** The hour of the day (0–23) in Oslo. */
export function osloHourOf(now = new Date()): number {
  return Number(osloHour.format(now)) % 24;
}

/**
 * A date from a request: `YYYY-MM-DD`, or a date-time whose date part is taken as written
 * (the API ignores offsets on date parameters). Undefined when it is not a real date.
 */
export function parseDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const date = value.trim().slice(0, 10);
  const m = DATE.exec(date);
  if (!m) return undefined;
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) return undefined;
  return date;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** The date itself on a weekday, else the Friday before. */
export function businessDayOnOrBefore(date: string): string {
  const day = weekday(date);
  return day === 0 ? addDays(date, -2) : day === 6 ? addDays(date, -1) : date;
}
