/**
 * The `alerts:` section of mapsync.yaml, typed, with defaults. The section is schema-checked
 * and its secrets checked (engine/config/alerts-section.ts) when mapsync.yaml is loaded, and
 * interpolated (`${VAR}`) by the config loader; this only reads it.
 *
 * ```yaml
 * alerts:
 *   status_url: https://sync.example.com/     # the link in every alert (default: the service's address)
 *   name: shop-a                              # which service the alert is from (default: mapsync)
 *   channels:
 *     - { type: webhook, url: https://hooks.example.com/mapsync, secret: ${ALERT_WEBHOOK_SECRET} }
 *     - { type: slack, url: ${SLACK_WEBHOOK_URL} }
 *     - { type: email, host: smtp.example.com, port: 587, user: ${SMTP_USER}, password: ${SMTP_PASSWORD},
 *         from: mapsync@example.com, to: [ops@example.com] }
 * ```
 */
import { parseDuration } from '../config/duration.ts';

export type ChannelSettings =
  | { type: 'webhook'; name: string; url: string; secret: string }
  | { type: 'slack'; name: string; url: string }
  | {
      type: 'email';
      name: string;
      host: string;
      port: number;
      /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
      secure: boolean;
      /** Refuse to send when the server does not offer STARTTLS. */
      requireTls: boolean;
      user?: string;
      password?: string;
      from: string;
      to: string[];
    };

export interface AlertSettings {
  /** Names this service in every alert (one process per customer: say which). */
  name: string;
  /** Base URL of the status page for the link in every alert; default: the service's address. */
  statusUrl?: string;
  /** How often failed records and the shop's webhooks are checked. */
  checkEveryMs: number;
  /** Per channel: at most `max` messages per `perMs`; beyond it alerts wait and go out as one digest. */
  rateLimit: { max: number; perMs: number };
  conditions: {
    mappingStopped: { enabled: boolean; afterFailedRuns: number };
    failedRecords: { enabled: boolean; count: number; olderThanMs: number };
    manualConflicts: { enabled: boolean };
    webhookDisabled: { enabled: boolean };
    credentialsRefused: { enabled: boolean };
  };
  channels: ChannelSettings[];
}

export const ALERT_DEFAULTS = {
  name: 'mapsync',
  checkEvery: '1m',
  rateLimit: { max: 10, per: '1h' },
  afterFailedRuns: 1,
  failedRecords: { count: 10, olderThan: '1h' },
} as const;

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const enabled = (v: unknown): boolean => obj(v).enabled !== false;

/** Settings from the interpolated `alerts:` section; undefined when there is none. */
export function resolveAlertSettings(raw: unknown): AlertSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  const section = obj(raw);
  const conditions = obj(section.conditions);
  const rate = obj(section.rate_limit);
  const failed = obj(conditions.failed_records);
  const stopped = obj(conditions.mapping_stopped);
  const channels = (Array.isArray(section.channels) ? section.channels : []).map((c, i) =>
    channelSettings(obj(c), i),
  );
  return {
    name: str(section.name) ?? ALERT_DEFAULTS.name,
    ...(str(section.status_url) ? { statusUrl: str(section.status_url)! } : {}),
    checkEveryMs: parseDuration(section.check_every ?? ALERT_DEFAULTS.checkEvery, 'alerts.check_every'),
    rateLimit: {
      max: typeof rate.max === 'number' ? rate.max : ALERT_DEFAULTS.rateLimit.max,
      perMs: parseDuration(rate.per ?? ALERT_DEFAULTS.rateLimit.per, 'alerts.rate_limit.per'),
    },
    conditions: {
      mappingStopped: {
        enabled: enabled(stopped),
        afterFailedRuns:
          typeof stopped.after_failed_runs === 'number'
            ? stopped.after_failed_runs
            : ALERT_DEFAULTS.afterFailedRuns,
      },
      failedRecords: {
        enabled: enabled(failed),
        count: typeof failed.count === 'number' ? failed.count : ALERT_DEFAULTS.failedRecords.count,
        olderThanMs: parseDuration(
          failed.older_than ?? ALERT_DEFAULTS.failedRecords.olderThan,
          'alerts.conditions.failed_records.older_than',
        ),
      },
      manualConflicts: { enabled: enabled(conditions.manual_conflicts) },
      webhookDisabled: { enabled: enabled(conditions.webhook_disabled) },
      credentialsRefused: { enabled: enabled(conditions.credentials_refused) },
    },
    channels,
  };
}

function channelSettings(c: Raw, i: number): ChannelSettings {
  const type = String(c.type);
  const name = str(c.name) ?? `${type} ${i + 1}`;
  if (type === 'webhook') return { type, name, url: String(c.url), secret: String(c.secret) };
  if (type === 'slack') return { type, name, url: String(c.url) };
  const port = typeof c.port === 'number' ? c.port : c.secure === true ? 465 : 587;
  return {
    type: 'email',
    name,
    host: String(c.host),
    port,
    secure: typeof c.secure === 'boolean' ? c.secure : port === 465,
    requireTls: c.require_tls === true,
    ...(str(c.user) ? { user: str(c.user)! } : {}),
    ...(str(c.password) ? { password: str(c.password)! } : {}),
    from: String(c.from),
    to: (Array.isArray(c.to) ? c.to : [c.to]).map(String),
  };
}
