/**
 * WordPress dates: `YYYY-MM-DDTHH:MM:SS` without a zone, whole seconds. Fields without
 * `_gmt` are in the site's timezone (a fixed UTC offset in the sandbox), `_gmt` in UTC.
 */
export const WP_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

export function formatUtc(date: Date): string {
  return date.toISOString().slice(0, 19);
}

export function formatLocal(date: Date, offsetMinutes: number): string {
  return formatUtc(new Date(date.getTime() + offsetMinutes * 60_000));
}

/** `{name: local, name_gmt: utc}` for a date field pair. */
export function datePair(
  name: string,
  date: Date | null,
  offsetMinutes: number,
): Record<string, string | null> {
  return {
    [name]: date ? formatLocal(date, offsetMinutes) : null,
    [`${name}_gmt`]: date ? formatUtc(date) : null,
  };
}

/** Parse a naive WP date as UTC. */
export function parseNaive(value: string): Date | undefined {
  if (!WP_DATE.test(value)) return undefined;
  const d = new Date(`${value}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * A date filter argument (`modified_after` …) as the naive string WordPress compares with
 * the column. An explicit zone (`Z`, `+02:00`) is converted to UTC, as PHP does in a
 * WordPress runtime (which runs in UTC) — which is why a suffixed value compared with the
 * site-local column is off by the site's offset unless `dates_are_gmt=true`.
 */
export function filterDate(value: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!m) return undefined;
  const time = m[2]!.length === 5 ? `${m[2]}:00` : m[2]!;
  if (!m[4]) return parseNaive(`${m[1]}T${time}`) ? `${m[1]}T${time}` : undefined;
  const d = new Date(`${m[1]}T${time}${m[4]}`);
  return Number.isNaN(d.getTime()) ? undefined : formatUtc(d);
}
