/**
 * The `service:` section of mapsync.yaml: how often each mapping is polled and fully
 * reconciled, and the service's operational limits. Schedules live here rather than in
 * mapping files because the same shipped mappings run with different schedules per
 * customer (a busy shop polls more often than a quiet one).
 *
 * ```yaml
 * service:
 *   schedule:
 *     poll: 1m            # default for every mapping
 *     reconcile: 1h
 *     mappings:
 *       orders: { poll: 30s }
 *   stuck_after: 15m      # /readyz fails when a mapping makes no progress this long
 *   shutdown_timeout: 10s
 *   webhook_body_limit: 1048576
 *   hosts: [sync.example.no]   # names the service answers for (besides IPs and localhost)
 * ```
 */

import { parseDuration } from '../config/duration.ts';
import { ConfigError } from '../errors.ts';

export interface MappingSchedule {
  /** Incremental run (changes since the cursors) every `pollMs`. */
  pollMs: number;
  /** Full reconciliation (complete listings: missed webhooks, stock-only changes, deletes). */
  reconcileMs: number;
}

export interface ServiceSettings {
  schedule: {
    defaults: MappingSchedule;
    mappings: Record<string, Partial<MappingSchedule>>;
  };
  /** A mapping whose run lasts longer than this, or that has not succeeded for this long, is stuck. */
  stuckAfterMs: number;
  /** Bound on graceful shutdown; after it the process exits 1. */
  shutdownTimeoutMs: number;
  /** Largest accepted webhook body in bytes (larger: 413). */
  webhookBodyLimit: number;
  /** Queued webhook work items beyond this are dropped in favour of an incremental run. */
  maxQueuedItems: number;
  /** How long a successful `checkAuth` is trusted by `/readyz` (PowerOffice budget is precious). */
  authCheckTtlMs: number;
  /** Host names the service answers for besides IP addresses, localhost and its listen address. */
  hosts: string[];
}

export const DEFAULT_SETTINGS: ServiceSettings = {
  schedule: { defaults: { pollMs: 60_000, reconcileMs: 3_600_000 }, mappings: {} },
  stuckAfterMs: 15 * 60_000,
  shutdownTimeoutMs: 10_000,
  webhookBodyLimit: 1024 * 1024,
  maxQueuedItems: 10_000,
  authCheckTtlMs: 60_000,
  hosts: [],
};

/** Settings from the raw `service:` object (already schema-checked when it came from loadProject). */
export function resolveSettings(
  raw: unknown,
  overrides: Partial<ServiceSettings> = {},
  mappingNames: readonly string[] = [],
): ServiceSettings {
  const section = isObject(raw) ? raw : {};
  const schedule = isObject(section.schedule) ? section.schedule : {};
  const defaults: MappingSchedule = {
    pollMs:
      schedule.poll !== undefined
        ? parseDuration(schedule.poll, 'service.schedule.poll')
        : DEFAULT_SETTINGS.schedule.defaults.pollMs,
    reconcileMs:
      schedule.reconcile !== undefined
        ? parseDuration(schedule.reconcile, 'service.schedule.reconcile')
        : DEFAULT_SETTINGS.schedule.defaults.reconcileMs,
  };
  const perMapping: Record<string, Partial<MappingSchedule>> = {};
  const known = new Set(mappingNames);
  for (const [name, value] of Object.entries(isObject(schedule.mappings) ? schedule.mappings : {})) {
    if (known.size > 0 && !known.has(name)) {
      throw new ConfigError(
        'CFG_SERVICE_UNKNOWN_MAPPING',
        `service.schedule.mappings.${name}: no such mapping`,
      );
    }
    const entry = isObject(value) ? value : {};
    perMapping[name] = {
      ...(entry.poll !== undefined
        ? { pollMs: parseDuration(entry.poll, `service.schedule.mappings.${name}.poll`) }
        : {}),
      ...(entry.reconcile !== undefined
        ? { reconcileMs: parseDuration(entry.reconcile, `service.schedule.mappings.${name}.reconcile`) }
        : {}),
    };
  }
  const duration = (key: string, fallback: number) =>
    section[key] !== undefined ? parseDuration(section[key], `service.${key}`) : fallback;
  const settings: ServiceSettings = {
    schedule: { defaults, mappings: perMapping },
    stuckAfterMs: duration('stuck_after', DEFAULT_SETTINGS.stuckAfterMs),
    shutdownTimeoutMs: duration('shutdown_timeout', DEFAULT_SETTINGS.shutdownTimeoutMs),
    webhookBodyLimit:
      typeof section.webhook_body_limit === 'number'
        ? section.webhook_body_limit
        : DEFAULT_SETTINGS.webhookBodyLimit,
    maxQueuedItems:
      typeof section.max_queued_items === 'number'
        ? section.max_queued_items
        : DEFAULT_SETTINGS.maxQueuedItems,
    authCheckTtlMs: duration('auth_check_ttl', DEFAULT_SETTINGS.authCheckTtlMs),
    hosts: Array.isArray(section.hosts)
      ? section.hosts.map((h) => String(h).trim().toLowerCase().replace(/\.$/, ''))
      : DEFAULT_SETTINGS.hosts,
  };
  return { ...settings, ...overrides };
}

export function scheduleFor(settings: ServiceSettings, mapping: string): MappingSchedule {
  return { ...settings.schedule.defaults, ...settings.schedule.mappings[mapping] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
