/**
 * The JSON behind the fleet's status pages (the web role): `overview()` lists the tenants
 * with their systems' kinds and newest job, plus the queue's counts; `tenant(id)` gives one
 * tenant's mappings with link and failed-record counts (from PostgreSQL), each mapping's last
 * jobs (the workers' board in Redis) and when its next poll and reconciliation are due (the
 * schedules in Redis).
 *
 * Unauthenticated like the single process's `/api/status`, so it shows what that shows and
 * no more: ids, names, kinds, counts, codes and record ids — never an option's value (a URL,
 * a key) and never a secret. Store-backed counts are cached for a few seconds: a page polling
 * every few seconds costs the store next to nothing.
 */

import { storeReads } from '../../service/engine-adapter.ts';
import type { FailedRecordView, MappingInfo } from '../../service/ports.ts';
import type { StoreBackend } from '../../store/open-store.ts';
import { tenantStore } from '../../store/tenant-scope.ts';
import type { TenantRecord, TenantRegistry } from '../../tenants/tenant-registry.ts';
import { jobIdOf } from '../jobs/job.ts';
import type { FleetQueue } from '../jobs/queue.ts';
import type { JobBoard, LastJob } from '../observe/job-board.ts';

export type Unit = MappingInfo & { members: string[] };

export interface FleetStatusOptions {
  tenants: TenantRegistry;
  store: StoreBackend;
  queue: FleetQueue;
  board: JobBoard;
  unitsOf(tenant: TenantRecord): Promise<Unit[]>;
  version: string;
  /** How long store-backed counts are reused (default 5 s). */
  cacheMs?: number;
}

/** Failed records listed per mapping (the count is always complete). */
const FAILED_SHOWN = 25;

export interface TenantSummary {
  id: string;
  name?: string;
  systems: Array<{ name: string; connector: string }>;
  ownMappings: boolean;
  lastJob?: LastJob & { mapping: string };
}

export interface TenantMappingStatus {
  name: string;
  source: MappingInfo['source'];
  target: MappingInfo['target'];
  direction: MappingInfo['direction'];
  linked: number;
  failed: { count: number; items: FailedRecordView[] };
  lastJobs: Record<string, LastJob>;
  nextPollAt?: string;
  nextReconcileAt?: string;
}

export class FleetStatus {
  private readonly startedAt = new Date();
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly options: FleetStatusOptions) {}

  async overview() {
    const all = await this.options.tenants.list();
    const latest = await this.options.board.latest(all.map((t) => t.id)).catch(() => new Map());
    const tenants: TenantSummary[] = all.map((t) => ({
      ...summary(t),
      ...(latest.has(t.id) ? { lastJob: latest.get(t.id) } : {}),
    }));
    return {
      role: 'web',
      version: this.options.version,
      startedAt: this.startedAt.toISOString(),
      jobs: await this.jobCounts(),
      tenants,
    };
  }

  async tenant(id: string) {
    const record = await this.options.tenants.get(id);
    if (!record) return undefined;
    const units = await this.options.unitsOf(record);
    const reads = storeReads(units, tenantStore(this.options.store, id));
    const [boardJobs, next] = await Promise.all([
      this.options.board.read(id).catch(() => ({}) as Record<string, Record<string, LastJob>>),
      this.schedules(),
    ]);
    const dueAt = (kind: 'poll' | 'reconcile', unit: string) => {
      const at = next.get(jobIdOf({ v: 1, kind, tenant: id, mapping: unit }));
      return at === undefined ? undefined : new Date(at).toISOString();
    };
    const mappings: TenantMappingStatus[] = await Promise.all(
      units.map(async (unit) => {
        const [linked, failed] = await Promise.all([
          this.cached(`linked:${id}:${unit.name}`, () => reads.linkCount(unit.name)),
          this.cached(`failed:${id}:${unit.name}`, () => reads.failedRecords(unit.name)),
        ]);
        const poll = dueAt('poll', unit.name);
        const reconcile = dueAt('reconcile', unit.name);
        return {
          name: unit.name,
          source: unit.source,
          target: unit.target,
          direction: unit.direction,
          linked,
          failed: { count: failed.length, items: failed.slice(0, FAILED_SHOWN) },
          lastJobs: boardJobs[unit.name] ?? {},
          ...(poll ? { nextPollAt: poll } : {}),
          ...(reconcile ? { nextReconcileAt: reconcile } : {}),
        };
      }),
    );
    return { ...summary(record), createdAt: record.createdAt, updatedAt: record.updatedAt, mappings };
  }

  private async jobCounts(): Promise<Record<string, number>> {
    return this.cached('jobs', () =>
      this.options.queue.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
    ).catch(() => ({}));
  }

  /** Schedule id → when its next job is due (ms), for every tenant at once. */
  private schedules(): Promise<Map<string, number>> {
    return this.cached('schedules', async () => {
      const out = new Map<string, number>();
      for (const s of await this.options.queue.queue.getJobSchedulers(0, -1)) {
        if (typeof s.next === 'number') out.set(s.key, s.next);
      }
      return out;
    }).catch(() => new Map<string, number>());
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < (this.options.cacheMs ?? 5000)) return hit.value as Promise<T>;
    const value = read();
    this.cache.set(key, { at: Date.now(), value });
    // A failed read is not kept: the next page refresh asks again.
    value.catch(() => this.cache.delete(key));
    return value;
  }
}

function summary(t: TenantRecord): TenantSummary {
  return {
    id: t.id,
    ...(t.name !== undefined ? { name: t.name } : {}),
    systems: Object.entries(t.systems).map(([name, s]) => ({ name, connector: s.connector })),
    ownMappings: t.mappings !== undefined,
  };
}
