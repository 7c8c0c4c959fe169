// Durations in configuration (`30s`, `1h30m`, milliseconds): one parser for the service's
// schedules, alerts and mapping scans. Its own module so that `mapsync validate`, which
// compiles scans, does not load the service's settings.
import { ConfigError } from '../errors.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `30s`, `5m`, `1h`, `1d`, `1h30m`, or a number of milliseconds. */
export function parseDuration(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+$/.test(text)) return Number(text);
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
    if (parts.length > 0 && parts.map((p) => p[0]).join('') === text) {
      return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0));
    }
  }
  throw new ConfigError(
    'CFG_SERVICE_DURATION',
    `${what}: "${String(value)}" is not a duration (use e.g. 30s, 5m, 1h, or milliseconds)`,
  );
}
