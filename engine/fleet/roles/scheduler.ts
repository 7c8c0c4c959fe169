/**
 * The scheduler role: keeps one `poll` and one `reconcile` schedule per tenant and mapping
 * (unit) in BullMQ, at the intervals of mapsync.yaml's `service.schedule`, and removes the
 * schedules of tenants and mappings that are gone. Leader-free: a schedule's id is its job
 * id (job.ts), so several schedulers upserting the same ones keep one each; BullMQ adds a
 * schedule's next job only as the previous one is taken, so schedules never pile up while
 * no worker runs. The schedules are put back at once when the connection to Redis comes
 * back (a restarted Redis is empty), and every `refreshMs` in any case.
 */
import type { Logger } from 'pino';
import { type ServiceSettings, scheduleFor } from '../../service/settings.ts';
import type { TenantRecord, TenantRegistry } from '../../tenants/tenant-registry.ts';
import { jobIdOf, type RunJob } from '../jobs/job.ts';
import type { FleetQueue } from '../jobs/queue.ts';

export interface SchedulerRoleOptions {
  queue: FleetQueue;
  tenants: TenantRegistry;
  /** The scheduling units of a tenant (the shared mappings', or its own folder's). */
  unitsOf(tenant: TenantRecord): Promise<string[]>;
  settings: ServiceSettings;
  logger: Logger;
  /** How often the tenant list is read again (default 30 s). */
  refreshMs?: number;
}

export function startSchedulerRole(options: SchedulerRoleOptions): {
  refresh(): Promise<{ schedules: number; removed: number }>;
  close(): Promise<void>;
} {
  const refresh = async () => {
    const keep = new Set<string>();
    for (const tenant of await options.tenants.list()) {
      let units: string[];
      try {
        units = await options.unitsOf(tenant);
      } catch (error) {
        options.logger.warn(
          { tenant: tenant.id, err: error },
          'tenant not scheduled: its mappings do not load',
        );
        continue;
      }
      for (const mapping of units) {
        const every = scheduleFor(options.settings, mapping);
        for (const [kind, ms] of [
          ['poll', every.pollMs],
          ['reconcile', every.reconcileMs],
        ] as const) {
          const job: RunJob = { v: 1, kind, tenant: tenant.id, mapping };
          await options.queue.schedule(job, ms);
          keep.add(jobIdOf(job));
        }
      }
    }
    const removed = await options.queue.pruneSchedules(keep);
    return { schedules: keep.size, removed };
  };
  let running: Promise<unknown> = refresh().catch((error) =>
    options.logger.warn({ err: error }, 'schedules not refreshed (retrying)'),
  );
  const again = () => {
    running = running.then(() =>
      refresh().catch((error) => options.logger.warn({ err: error }, 'schedules not refreshed (retrying)')),
    );
  };
  const timer = setInterval(again, options.refreshMs ?? 30_000);
  // A Redis that restarted lost every schedule: put them back as soon as it answers again,
  // not at the next refresh.
  options.queue.onReconnect(again);
  return {
    refresh: () => {
      const next = running.then(refresh);
      running = next.catch(() => {});
      return next;
    },
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
