/**
 * Dependency order of a tenant's full runs in the fleet (docs/fleet.md, "Jobs, locks and
 * fencing"). A record whose `$link` dependency has the `wait` policy fails with
 * MISSING_DEPENDENCY while that dependency's record is not linked yet; the single process's
 * `mapsync run` avoids this by running mappings in dependency order. In the fleet every unit
 * is a job of its own and any worker may take any of them, so a tenant's backfill of sales
 * orders could run next to (or before) its backfill of products and fail every order, which
 * only a later poll would retry — and a fleet without a scheduler never would.
 *
 * So a full run (`backfill`, `reconcile`) of a unit waits — delayed like a job whose locks
 * are busy, without using an attempt — while a backfill or an explicit reconciliation of a
 * unit it waits on is queued or running for the same tenant. A killed worker's job counts as
 * running until another worker has run it again. Dependencies form no cycle (the mappings
 * are compiled in dependency order), so this cannot deadlock; `create` dependencies need no
 * order (the record is created on demand, under the lock set).
 */
import type { CompiledMapping } from '../../mapping/model.ts';
import { unitOf } from '../../service/engine-adapter.ts';
import type { FleetJob } from '../jobs/job.ts';
import type { FleetQueue } from '../jobs/queue.ts';

/** Per unit, the other units whose links its records (and its fan-out children's) wait for. */
export function waitUnits(mappings: readonly CompiledMapping[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const mapping of mappings) {
    const unit = unitOf(mappings, mapping.name);
    const waits = new Set(out.get(unit) ?? []);
    for (const dep of mapping.dependencies) {
      if (dep.onMissing !== 'wait') continue;
      const depUnit = unitOf(mappings, dep.mapping);
      if (depUnit !== unit) waits.add(depUnit);
    }
    out.set(unit, [...waits].sort());
  }
  return out;
}

/**
 * The job (`backfill/<tenant>/<unit>`…) a full run must wait for, or undefined when it may
 * run now. Polls and record jobs never wait: they are the backbone and the interactive work.
 */
export async function runBlockedBy(
  queue: Pick<FleetQueue, 'pending'>,
  job: FleetJob,
  waits: ReadonlyMap<string, readonly string[]>,
): Promise<string | undefined> {
  if (job.kind !== 'backfill' && job.kind !== 'reconcile') return undefined;
  for (const unit of waits.get(job.mapping) ?? []) {
    for (const kind of ['backfill', 'reconcile'] as const) {
      const earlier: FleetJob = { v: 1, kind, tenant: job.tenant, mapping: unit };
      if (await queue.pending(earlier)) return `${kind}/${job.tenant}/${unit}`;
    }
  }
  return undefined;
}
