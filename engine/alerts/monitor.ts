/**
 * Watches one service instance for the conditions that need a person and sends one alert
 * per condition when it starts, and one "resolved" when it clears (de-duplicated by the
 * condition's key; changing counts while it holds send nothing new).
 *
 * Facts come from two places:
 * - every finished run (`observeRun`): a mapping stopped (a failing listing, the delete
 *   breaker, an internal error), the link store unavailable, credentials refused; a run
 *   that ends ok clears what it proves fine;
 * - a check every `check_every` (`checkNow`): failed records per mapping (count, age,
 *   manual conflicts) from the store, and the shop's own webhook registrations.
 *
 * State is in memory, per monitor (one per service instance, no module state): it survives
 * nothing but the process. After a restart conditions are found again from the runs and
 * the store within one check and announced once more; a condition that cleared while the
 * service was down gets no "resolved". Keeping it in the store was rejected: "the store is
 * unavailable" is one of the conditions, and the alert path must not depend on it.
 */
import type { Logger } from 'pino';
import type { WebhookSubscriptions } from '../connectors/types.ts';
import type { FailedRecordView, MappingInfo } from '../service/ports.ts';
import type { LastRun } from '../service/scheduler.ts';
import { type Alert, type Condition, describe, MAX_IDS } from './conditions.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { AlertSettings } from './settings.ts';

export interface WebhookSource {
  /** System name in mapsync.yaml; its deliveries go to `/webhooks/<system>`. */
  system: string;
  subscriptions: WebhookSubscriptions;
}

export interface AlertMonitorOptions {
  settings: AlertSettings;
  /** The scheduling units (mappings with their systems). */
  units: readonly MappingInfo[];
  failedRecords(unit: string): Promise<FailedRecordView[]>;
  webhookSources: readonly WebhookSource[];
  dispatcher: Dispatcher;
  logger: Logger;
  now?: () => Date;
}

interface Firing {
  condition: Condition;
  since: Date;
}

const STORE_CODE = /^STORE_/;

export class AlertMonitor {
  /** What holds now, by key. Each source sets and deletes only the keys it owns. */
  private readonly facts = new Map<string, { condition: Condition; since: Date }>();
  /** Conditions a "firing" alert was sent for. */
  private readonly firing = new Map<string, Firing>();
  private readonly failedRuns = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private statusUrl = '';
  private readonly now: () => Date;

  constructor(private readonly options: AlertMonitorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Start the periodic check; `serviceUrl` is the status page link unless `status_url` is set. */
  start(serviceUrl: string): void {
    this.statusUrl = withSlash(this.options.settings.statusUrl ?? serviceUrl);
    this.options.dispatcher.setStatusUrl(this.statusUrl);
    this.options.logger.info(
      { channels: this.options.settings.channels.map((c) => `${c.name} (${c.type})`) },
      'alerts on',
    );
    this.timer = setInterval(() => {
      this.checkNow().catch((error) => this.options.logger.error({ err: error }, 'alerts: check failed'));
    }, this.options.settings.checkEveryMs);
    this.timer.unref();
    void this.checkNow();
  }

  /** Stop checking and deliver what is still waiting (bounded by the channels' timeouts). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
    await this.options.dispatcher.stop();
  }

  /** Resolves when no check is running and nothing is being sent (tests). */
  async idle(): Promise<void> {
    await this.checking;
    await this.options.dispatcher.idle();
  }

  /** The alerts currently firing (for the status API and tests). */
  active(): Alert[] {
    return [...this.firing.values()].map((f) => this.alert('firing', f.condition, f.since));
  }

  /** A run of `unit` finished. */
  observeRun(unit: string, run: LastRun): void {
    if (run.status === 'aborted') return;
    const conditions = this.options.settings.conditions;
    const info = this.options.units.find((u) => u.name === unit);
    const systems = info ? [info.source.system, info.target.system] : [];
    if (run.status === 'ok') {
      this.failedRuns.delete(unit);
      this.clear(`mapping-stopped:${unit}`);
      this.clear('store-unavailable');
      for (const system of systems) this.clear(`credentials-refused:${system}`);
      this.evaluate();
      return;
    }
    const codes = (run.errors ?? []).map((e) => e.code);
    if (run.authFailedSystem) {
      if (conditions.credentialsRefused.enabled) {
        this.hold({
          key: `credentials-refused:${run.authFailedSystem}`,
          kind: 'credentials-refused',
          system: run.authFailedSystem,
          code: codes.find((c) => c.startsWith('CONNECTOR_AUTH')) ?? 'CONNECTOR_AUTH',
        });
      }
    } else if (codes.some((c) => STORE_CODE.test(c))) {
      const previous = this.facts.get('store-unavailable')?.condition.mappings ?? [];
      this.hold({
        key: 'store-unavailable',
        kind: 'store-unavailable',
        mappings: [...new Set([...previous, unit])].sort(),
        code: codes.find((c) => STORE_CODE.test(c))!,
      });
    } else if (conditions.mappingStopped.enabled) {
      const failures = (this.failedRuns.get(unit) ?? 0) + 1;
      this.failedRuns.set(unit, failures);
      if (failures >= conditions.mappingStopped.afterFailedRuns) {
        this.hold({
          key: `mapping-stopped:${unit}`,
          kind: 'mapping-stopped',
          mapping: unit,
          code: codes.find((c) => c === 'DELETE_LIMIT_EXCEEDED') ?? codes[0] ?? 'INTERNAL',
        });
      }
    }
    this.evaluate();
  }

  /** Check failed records and the shops' webhooks now (also runs every `check_every`). */
  checkNow(): Promise<void> {
    this.checking ??= (async () => {
      try {
        await Promise.all([this.checkFailedRecords(), this.checkWebhooks()]);
        this.evaluate();
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  private async checkFailedRecords(): Promise<void> {
    const { failedRecords, manualConflicts } = this.options.settings.conditions;
    if (!failedRecords.enabled && !manualConflicts.enabled) return;
    await Promise.all(
      this.options.units.map(async (unit) => {
        let records: FailedRecordView[];
        try {
          records = await this.options.failedRecords(unit.name);
        } catch (error) {
          // The store is down: what is known stays as it is; the runs report the store.
          this.options.logger.warn({ err: error, mapping: unit.name }, 'alerts: failed records not readable');
          return;
        }
        const conflicts = records.filter((r) => r.code === 'CONFLICT');
        const failed = records.filter((r) => r.code !== 'CONFLICT');
        const cutoff = this.now().getTime() - failedRecords.olderThanMs;
        const old = failed.filter((r) => Date.parse(r.firstFailedAt ?? r.failedAt) <= cutoff);
        const name = unit.name;
        this.set(failedRecords.enabled && failed.length >= failedRecords.count, {
          key: `failed-records:${name}`,
          kind: 'failed-records',
          mapping: name,
          count: failed.length,
          threshold: failedRecords.count,
          codes: countCodes(failed),
          ids: ids(failed),
        });
        this.set(failedRecords.enabled && old.length > 0, {
          key: `failed-records-age:${name}`,
          kind: 'failed-records-age',
          mapping: name,
          count: old.length,
          threshold: humanDuration(failedRecords.olderThanMs),
          codes: countCodes(old),
          ids: ids(old),
        });
        this.set(manualConflicts.enabled && conflicts.length > 0, {
          key: `manual-conflict:${name}`,
          kind: 'manual-conflict',
          mapping: name,
          count: conflicts.length,
          ids: ids(conflicts),
        });
      }),
    );
  }

  private async checkWebhooks(): Promise<void> {
    if (!this.options.settings.conditions.webhookDisabled.enabled) return;
    await Promise.all(
      this.options.webhookSources.map(async ({ system, subscriptions }) => {
        let hooks: Awaited<ReturnType<WebhookSubscriptions['list']>>;
        try {
          hooks = await subscriptions.list();
        } catch (error) {
          this.options.logger.warn({ err: error, system }, 'alerts: webhook registrations not readable');
          return;
        }
        const disabled = hooks.filter((h) => h.status === 'disabled' && deliversTo(h.deliveryUrl, system));
        this.set(disabled.length > 0, {
          key: `webhook-disabled:${system}`,
          kind: 'webhook-disabled',
          system,
          count: disabled.length,
          ids: disabled.slice(0, MAX_IDS).map((h) => h.id),
          topics: [...new Set(disabled.map((h) => h.topic))].sort(),
        });
      }),
    );
  }

  private set(holds: boolean, condition: Condition): void {
    if (holds) this.hold(condition);
    else this.clear(condition.key);
  }

  private hold(condition: Condition): void {
    const known = this.facts.get(condition.key);
    this.facts.set(condition.key, { condition, since: known?.since ?? this.now() });
  }

  private clear(key: string): void {
    this.facts.delete(key);
  }

  /** Send what started and what cleared since the last evaluation. */
  private evaluate(): void {
    const out: Alert[] = [];
    for (const [key, fact] of this.facts) {
      const firing = this.firing.get(key);
      if (firing) {
        firing.condition = fact.condition; // the "resolved" carries the latest counts
        continue;
      }
      this.firing.set(key, { condition: fact.condition, since: fact.since });
      out.push(this.alert('firing', fact.condition, fact.since));
    }
    for (const [key, firing] of this.firing) {
      if (this.facts.has(key)) continue;
      this.firing.delete(key);
      out.push(this.alert('resolved', firing.condition, firing.since));
    }
    if (out.length > 0) this.options.dispatcher.submit(out);
  }

  private alert(status: Alert['status'], condition: Condition, since: Date): Alert {
    return {
      ...condition,
      status,
      since: since.toISOString(),
      ...(status === 'resolved' ? { resolvedAt: this.now().toISOString() } : {}),
      summary: describe(condition),
    };
  }
}

function countCodes(records: readonly FailedRecordView[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    const code = r.code ?? 'UNKNOWN';
    out[code] = (out[code] ?? 0) + 1;
  }
  return out;
}

/** The oldest failures first: those are the ones to look at. */
function ids(records: readonly FailedRecordView[]): string[] {
  return [...records]
    .sort(
      (a, b) =>
        (a.firstFailedAt ?? a.failedAt).localeCompare(b.firstFailedAt ?? b.failedAt) ||
        a.mapping.localeCompare(b.mapping) ||
        a.id.localeCompare(b.id, 'en', { numeric: true }),
    )
    .slice(0, MAX_IDS)
    .map((r) => (r.side === 'target' ? `${r.mapping}:target:${r.id}` : `${r.mapping}:${r.id}`));
}

/** Whether a webhook's delivery URL is this service's `/webhooks/<system>` route. */
export function deliversTo(url: string, system: string): boolean {
  try {
    return new URL(url).pathname.replace(/\/+$/, '').endsWith(`/webhooks/${system}`);
  } catch {
    return false;
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function humanDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
