/**
 * The fleet's unit of distributed work (docs/fleet.md, "Jobs, locks and fencing"): a job is
 * plain JSON, names its tenant and mapping, and is idempotent — running it twice has the
 * effect of running it once (the engine's record work and runs already are). Kinds:
 *
 * - `record`: one record of one mapping (a webhook delivery; the engine's unit of work);
 * - `poll` / `reconcile`: an incremental / full run of a mapping (scheduled);
 * - `backfill`: a full run at backfill priority (a new tenant's first sync);
 * - `retry`: failed records of a mapping retried now (one id, or all), asked for by a person.
 *
 * Job ids are derived from the content, so the same webhook delivered three times while its
 * job waits is one job (BullMQ ignores an add whose id exists).
 */
import { createHash } from 'node:crypto';
import type { Priority } from '../../connectors/http/limiter.ts';
import type { Side } from '../../mapping/model.ts';
import { TENANT_ID } from '../../store/tenant-scope.ts';

export type RecordEvent = 'created' | 'updated' | 'deleted' | 'restored';

interface JobBase {
  v: 1;
  tenant: string;
  /** The scheduling unit (a mapping that is not a fan-out child). */
  mapping: string;
}

export interface RecordJob extends JobBase {
  kind: 'record';
  side: Side;
  id: string;
  event: RecordEvent;
}

export interface RunJob extends JobBase {
  kind: 'poll' | 'reconcile' | 'backfill';
}

export interface RetryJob extends JobBase {
  kind: 'retry';
  /** One failed record's id, or every failed record of the mapping when absent. */
  id?: string;
}

export type FleetJob = RecordJob | RunJob | RetryJob;
export type JobKind = FleetJob['kind'];

export const JOB_KINDS: readonly JobKind[] = ['record', 'poll', 'reconcile', 'backfill', 'retry'];

/** What each kind's requests get from the shared rate budget. */
export function priorityOf(job: FleetJob): Priority {
  switch (job.kind) {
    case 'record':
    case 'retry':
      return 'interactive';
    case 'poll':
    case 'reconcile':
      return 'reconcile';
    case 'backfill':
      return 'backfill';
  }
}

/** BullMQ priorities: lower runs first (interactive > reconcile > backfill). */
export const QUEUE_PRIORITY: Readonly<Record<Priority, number>> = {
  interactive: 1,
  reconcile: 2,
  backfill: 3,
};

/**
 * The job's id, from its content. BullMQ forbids `:` in custom ids, so parts are URI-encoded
 * and joined with `/` (which encoding never leaves in a part). A delete keeps an id of its
 * own: coalescing it into a waiting update would lose the signed delete.
 */
export function jobIdOf(job: FleetJob): string {
  const parts: string[] = [job.kind, job.tenant, job.mapping];
  if (job.kind === 'record') parts.push(job.side, job.id, job.event === 'deleted' ? 'deleted' : 'changed');
  if (job.kind === 'retry') parts.push(job.id ?? '*');
  const id = parts.map((p) => encodeURIComponent(p)).join('/');
  // Keys stay short in Redis whatever a record id looks like.
  return id.length <= 200 ? id : `${job.kind}/${createHash('sha256').update(id).digest('hex')}`;
}

/** A job's follow-up id: queued when the job itself is running (see queue.ts). */
export function followUpIdOf(job: FleetJob): string {
  return `${jobIdOf(job)}/again`;
}

/** The checked job of an untrusted value (a job read back from Redis); throws on anything else. */
export function parseJob(value: unknown): FleetJob {
  const fail = (why: string): never => {
    throw new Error(`not a mapsync job: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return fail('not an object');
  const job = value as Record<string, unknown>;
  if (job.v !== 1) fail('version is not 1');
  if (!JOB_KINDS.includes(job.kind as JobKind)) fail(`unknown kind ${String(job.kind)}`);
  if (typeof job.tenant !== 'string' || !TENANT_ID.test(job.tenant)) fail('bad tenant');
  if (typeof job.mapping !== 'string' || job.mapping === '') fail('bad mapping');
  if (job.kind === 'record') {
    if (job.side !== 'source' && job.side !== 'target') fail('bad side');
    if (typeof job.id !== 'string' || job.id === '') fail('bad record id');
    if (!['created', 'updated', 'deleted', 'restored'].includes(job.event as string)) fail('bad event');
  }
  if (job.kind === 'retry' && job.id !== undefined && typeof job.id !== 'string') fail('bad record id');
  return job as unknown as FleetJob;
}
