/**
 * Reads a connector's options (its system block in mapsync.yaml after `${ENV}`
 * interpolation) and collects every problem before failing once, so a bad config is
 * reported in full. Values from the environment may arrive as strings ("30", "true"), so
 * numbers and flags accept their string forms. Secrets are never echoed in messages.
 *
 * Each connector lists the keys it understands in its factory's `options`; an unknown key
 * is an error (a typo such as `page_sise` must not be silently ignored), and a test checks
 * that `schemas/mapsync.schema.json` describes exactly these keys for each kind.
 */
import { ConfigError } from '../errors.ts';

export class OptionReader {
  private readonly problems: string[] = [];

  constructor(
    private readonly kind: string,
    private readonly raw: Readonly<Record<string, unknown>>,
    known: readonly string[],
  ) {
    for (const key of Object.keys(raw)) {
      if (key !== 'connector' && !known.includes(key)) this.problems.push(`unknown option "${key}"`);
    }
  }

  /** A problem found by the connector's own checks. */
  problem(message: string): void {
    this.problems.push(message);
  }

  string(key: string, required: boolean): string | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null || value === '') {
      if (required) this.problems.push(`"${key}" is required`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.problems.push(`"${key}" must be a string`);
      return undefined;
    }
    return value;
  }

  number(key: string, min: number, max: number, integer: boolean): number | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (
      typeof n !== 'number' ||
      !Number.isFinite(n) ||
      n < min ||
      n > max ||
      (integer && !Number.isInteger(n))
    ) {
      this.problems.push(`"${key}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
      return undefined;
    }
    return n;
  }

  flag(key: string): boolean {
    const value = this.raw[key] ?? false;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false' || value === '') return false;
    this.problems.push(`"${key}" must be true or false`);
    return false;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw[key] ?? fallback;
    if (allowed.includes(value as T)) return value as T;
    this.problems.push(`"${key}" must be one of ${allowed.join(', ')}`);
    return fallback;
  }

  /** An http(s) URL without credentials or query string. */
  url(key: string, required: boolean): URL | undefined {
    const value = this.string(key, required);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        this.problems.push(`"${key}" must be an http(s) URL`);
      if (parsed.username || parsed.password) this.problems.push(`"${key}" must not contain credentials`);
      if (parsed.search) this.problems.push(`"${key}" must not contain a query string`);
      return parsed;
    } catch {
      this.problems.push(`"${key}" is not a valid URL`);
      return undefined;
    }
  }

  /** Throw one ConfigError listing every problem, if there is any. */
  finish(): void {
    if (this.problems.length > 0) {
      throw new ConfigError('CONFIG_INVALID', `${this.kind} connector config: ${this.problems.join('; ')}`);
    }
  }
}
