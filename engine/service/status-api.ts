/**
 * The JSON behind the status page (`GET /api/status`): per mapping its schedule state, last
 * run, link and failure counts, waiting webhook work; the request budget per system; the
 * live feed and the chart series. Counts that need the store are cached for a few seconds so
 * that an open page polling every second costs the store next to nothing.
 */
import type { LimiterRegistry } from '../connectors/http/limiter.ts';
import type { Activity } from './activity.ts';
import type { ActionCount, FailedRecordView, MappingInfo, ServiceEngine } from './ports.ts';
import type { LastRun, ScheduledMapping, Scheduler } from './scheduler.ts';
import type { WorkQueue } from './work-queue.ts';

export interface StatusSources {
  engine: ServiceEngine;
  scheduler: Scheduler;
  queue: WorkQueue;
  activity: Activity;
  limiters: LimiterRegistry;
  startedAt: Date;
  version: string;
  adminEnabled: boolean;
  isDraining(): boolean;
  /** Extra facts shown on the page (sandbox addresses in `--sandbox` mode). */
  info?: Record<string, unknown>;
  /** How long store-backed counts are reused (default 2 s). */
  cacheMs?: number;
}

export interface MappingStatus {
  name: string;
  description?: string;
  source: MappingInfo['source'];
  target: MappingInfo['target'];
  direction: MappingInfo['direction'];
  children?: MappingInfo['children'];
  paused: boolean;
  activity: ScheduledMapping['activity'];
  current?: { kind: string; mode?: string; startedAt: string };
  lastRun?: Omit<LastRun, 'startedAt' | 'finishedAt'> & { startedAt: string; finishedAt: string };
  lastSuccessAt?: string;
  nextPollAt: string;
  nextReconcileAt: string;
  linked: number | null;
  /** Per mapping action: records done and operations made (orders invoiced, credited…). */
  actions?: ActionCount[];
  pending: number;
  failed: { count: number; items: FailedRecordView[] };
  error?: string;
}

export interface BudgetStatus {
  system: string;
  inUse: number;
  limit: number;
  intervalMs: number;
  queued: number;
}

/** Failed records listed per mapping on the page (the count is always complete). */
const FAILED_SHOWN = 25;

export class StatusApi {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly sources: StatusSources) {}

  /** Forget cached counts (after a run or a retry, so the page shows the result at once). */
  invalidate(mapping?: string): void {
    if (mapping === undefined) this.cache.clear();
    else for (const key of [...this.cache.keys()]) if (key.endsWith(`:${mapping}`)) this.cache.delete(key);
  }

  async status(): Promise<Record<string, unknown>> {
    const { engine, scheduler, activity } = this.sources;
    const mappings = await Promise.all(engine.mappings.map((m) => this.mapping(m, scheduler.state(m.name))));
    return {
      service: {
        version: this.sources.version,
        startedAt: this.sources.startedAt.toISOString(),
        now: new Date().toISOString(),
        adminEnabled: this.sources.adminEnabled,
        draining: this.sources.isDraining(),
        ...(this.sources.info ? { info: this.sources.info } : {}),
      },
      mappings,
      budget: this.budget(),
      feed: activity.recentFeed(30),
      series: activity.series(),
    };
  }

  budget(): BudgetStatus[] {
    const totals = new Map<string, BudgetStatus>();
    for (const { system, limiter } of this.sources.limiters.entries()) {
      const entry = totals.get(system) ?? {
        system,
        inUse: 0,
        limit: 0,
        intervalMs: limiter.intervalMs,
        queued: 0,
      };
      entry.inUse += limiter.inUse();
      entry.limit += limiter.limit;
      entry.queued += limiter.queued();
      totals.set(system, entry);
    }
    return [...totals.values()];
  }

  async failedCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    await Promise.all(
      this.sources.engine.mappings.map(async (m) => {
        out[m.name] = (await this.failed(m.name)).length;
      }),
    );
    return out;
  }

  private async mapping(info: MappingInfo, state: ScheduledMapping): Promise<MappingStatus> {
    let error: string | undefined;
    const [linked, failed, actions] = await Promise.all([
      // Counting links walks the store: reuse the count longer (runs invalidate it).
      this.cached(`linked:${info.name}`, () => this.sources.engine.linkCount(info.name), 15_000).catch(
        (e) => {
          error = messageOf(e);
          return null;
        },
      ),
      this.failed(info.name).catch((e) => {
        error = messageOf(e);
        return [] as FailedRecordView[];
      }),
      // Action tallies walk the links too: as long-lived as the link count.
      this.sources.engine.actionCounts
        ? this.cached(
            `actions:${info.name}`,
            () => this.sources.engine.actionCounts!(info.name),
            15_000,
          ).catch((e) => {
            error = messageOf(e);
            return [] as ActionCount[];
          })
        : Promise.resolve([] as ActionCount[]),
    ]);
    return {
      name: info.name,
      ...(info.description ? { description: info.description } : {}),
      source: info.source,
      target: info.target,
      direction: info.direction,
      ...(info.children?.length ? { children: info.children } : {}),
      paused: state.paused,
      activity: state.activity,
      ...(state.current
        ? {
            current: {
              kind: state.current.kind,
              ...(state.current.mode ? { mode: state.current.mode } : {}),
              startedAt: state.current.startedAt.toISOString(),
            },
          }
        : {}),
      ...(state.lastRun
        ? {
            lastRun: {
              ...state.lastRun,
              startedAt: state.lastRun.startedAt.toISOString(),
              finishedAt: state.lastRun.finishedAt.toISOString(),
            },
          }
        : {}),
      ...(state.lastSuccessAt ? { lastSuccessAt: state.lastSuccessAt.toISOString() } : {}),
      nextPollAt: state.nextPollAt.toISOString(),
      nextReconcileAt: state.nextReconcileAt.toISOString(),
      linked,
      ...(actions.length > 0 ? { actions } : {}),
      pending: this.sources.queue.size(info.name),
      failed: { count: failed.length, items: failed.slice(0, FAILED_SHOWN) },
      ...(error ? { error } : {}),
    };
  }

  private failed(mapping: string): Promise<FailedRecordView[]> {
    return this.cached(`failed:${mapping}`, () => this.sources.engine.failedRecords(mapping));
  }

  private cached<T>(key: string, load: () => Promise<T>, ttlMs = this.sources.cacheMs ?? 2000): Promise<T> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.cache.set(key, { at: now, value });
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
