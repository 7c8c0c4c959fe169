/**
 * Structured logs: one JSON object per line (pino), pretty-printed when the destination is
 * a terminal. Every configured secret value is replaced by `[REDACTED]` in the final line,
 * whatever field or message it ended up in; this is the last line of defence behind
 * connectors that never log credentials in the first place.
 */
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type PinoPretty from 'pino-pretty';

/**
 * pino-pretty (some thirty modules) is loaded only for a terminal: a run whose logs go to a
 * file or a pipe, as every service and CI run's do, never needs it (~30 ms of start-up).
 */
const require = createRequire(import.meta.url);
const pretty = (options: PinoPretty.PrettyOptions): DestinationStream =>
  (require('pino-pretty') as typeof PinoPretty)(options);

export interface LoggerSettings {
  level?: LoggerOptions['level'];
  /** Secret values to scrub from every line (API keys, tokens, webhook secrets). */
  secrets?: readonly string[];
  /** Pretty output; defaults to true when stderr is a terminal. */
  pretty?: boolean;
  /** Where lines go; defaults to stderr so that stdout stays free for command output. */
  destination?: DestinationStream;
}

export const REDACTED = '[REDACTED]';

export function createLogger(settings: LoggerSettings = {}): Logger {
  const secrets = [...new Set((settings.secrets ?? []).filter((s) => s.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
  const usePretty = settings.pretty ?? (settings.destination === undefined && process.stderr.isTTY === true);
  const destination: DestinationStream =
    settings.destination ??
    (usePretty
      ? pretty({ destination: 2, colorize: true, sync: true })
      : pino.destination({ dest: 2, sync: true }));
  return pino(
    {
      level: settings.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        streamWrite: (line) => scrub(line, secrets),
      },
    },
    destination,
  );
}

/** Replace every occurrence of every secret (and its JSON-escaped and URL-encoded forms). */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return out;
}
