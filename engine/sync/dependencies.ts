/**
 * `$link(mapping, key)`: the target-side id of a record of another mapping, resolved
 * through the link store (that mapping ran earlier in dependency order).
 *
 * - A key (`customer_id`): the link of that source record. Not linked yet → the mapping's
 *   `dependencies` policy: `create` fetches the record and syncs it through its mapping now;
 *   `wait` leaves it missing and the dependent record fails with MISSING_DEPENDENCY (it is
 *   retried on later runs).
 * - An object (a guest's billing data with `id: "guest-<order>"`): a synthetic source record
 *   of that mapping. It is matched (e.g. by e-mail, also against customers already linked)
 *   or created, and linked `virtual`: never scanned, deleted or written back.
 *
 * In a dry run a record that would be created yields a placeholder id, and the plan says so.
 */
import type { EvaluationContext } from '../mapping/model.ts';
import { missingDependency, RecordFailure } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';

export interface RecordContext {
  ctx: EvaluationContext;
  /** Dependencies that were missing during evaluation (throw with `assertResolved`). */
  missing: RecordFailure[];
  /** Notes for the plan (placeholders used). */
  notes: string[];
}

export function recordContext(mappingRun: MappingRun, bindings?: Record<string, unknown>): RecordContext {
  const missing: RecordFailure[] = [];
  const notes: string[] = [];
  // Built for every record and every child: one object literal of one shape, no copy of
  // the settings unless there are bindings to add to them, one `fetch` per mapping run.
  // Object.assign, not `{ ...settings, ...bindings }`: the same object (same keys, same
  // order; the names are binding names, never `__proto__`), but on Node 20 the spread of a
  // non-empty object into a literal measured ~5 µs per call against ~0.3 µs for this (a
  // microbenchmark of this shape), and the line had 1.5 % of a create's CPU profile.
  const settings = mappingRun.settingsBindings;
  const all = !bindings
    ? settings
    : Object.keys(settings).length > 0
      ? Object.assign({}, settings, bindings)
      : bindings;
  const ctx: EvaluationContext = {
    bindings: all,
    linkScope: mappingRun.run.dryRun ? undefined : mappingRun.runs.linkScope,
    fetch: fetchOf(mappingRun),
    // A shutdown stops the record's evaluations in their workers (EvaluationInterrupted).
    signal: mappingRun.run.options.signal,
    link: async (mappingName, key) => {
      if (key === undefined || key === null || key === '') return undefined;
      const dep = mappingRun.runs.get(mappingName);
      const policy =
        mappingRun.mapping.dependencies.find((d) => d.mapping === mappingName)?.onMissing ?? 'wait';
      if (typeof key === 'object') {
        const object = key as Record<string, unknown>;
        const id = object.id;
        if (id === undefined || id === null || id === '') {
          missing.push(
            new RecordFailure(
              'MAP_LINK_OBJECT_ID',
              'mapping',
              `$link('${mappingName}', {...}) needs an object with an id`,
            ),
          );
          return undefined;
        }
        const sourceId = String(id);
        const existing = await dep.linkCache.targetOf(sourceId);
        if (existing) return note(existing, dep.mapping.name, sourceId);
        if (policy !== 'create') {
          missing.push(missingDependency(mappingName, sourceId, mappingRun.mapping.name));
          return undefined;
        }
        const result = await dep.linkVirtual(sourceId, object);
        if (!result.targetId) {
          missing.push(dependencyFailed(mappingName, sourceId, mappingRun.mapping.name, result.reason));
          return undefined;
        }
        return note(result.targetId, dep.mapping.name, sourceId);
      }
      const sourceId = String(key);
      const existing =
        (await dep.linkCache.targetOf(sourceId)) ?? (await afterInFlight(mappingRun, dep, sourceId));
      if (existing) return note(existing, dep.mapping.name, sourceId);
      if (policy !== 'create') {
        // Not linked: not synced yet, or deleted in its system (then waiting never ends).
        missing.push(
          (await dep.sourceGone(sourceId))
            ? dependencyGone(dep, sourceId, mappingRun.mapping.name)
            : missingDependency(mappingName, sourceId, mappingRun.mapping.name),
        );
        return undefined;
      }
      const result = await dep.syncOnDemand(sourceId);
      if (!result.targetId) {
        missing.push(
          result.gone
            ? dependencyGone(dep, sourceId, mappingRun.mapping.name)
            : dependencyFailed(mappingName, sourceId, mappingRun.mapping.name, result.reason),
        );
        return undefined;
      }
      return note(result.targetId, dep.mapping.name, sourceId);
    },
  };

  // Ids are strings in the engine; the property's `type` converts them (CustomerId: integer).
  function note(targetId: string, mapping: string, sourceId: string): string {
    if (isPlaceholder(targetId)) {
      notes.push(`depends on ${mapping} ${sourceId}, which this plan creates first (id not known yet)`);
    }
    return targetId;
  }

  return { ctx, missing, notes };
}

const fetchers = new WeakMap<MappingRun, NonNullable<EvaluationContext['fetch']>>();

/** `$fetch` of a mapping run's records: the run's lookups, on the side's system. */
function fetchOf(mappingRun: MappingRun): NonNullable<EvaluationContext['fetch']> {
  let fetch = fetchers.get(mappingRun);
  if (!fetch) {
    fetch = (side, name, args) => mappingRun.run.lookups.fetch(mappingRun.mapping[side].system, name, args);
    fetchers.set(mappingRun, fetch);
  }
  return fetch;
}

/**
 * The dependency's record is being processed in this run right now (its create may be
 * waiting for budget or retrying a transient failure): wait for it and read its link again,
 * instead of failing the dependent record. Never for a record that may be waiting for this
 * one: the mapping's own records and its fan-out parent's (children run inside the parent's
 * processing); other cycles are excluded by the dependency order.
 */
async function afterInFlight(
  mappingRun: MappingRun,
  dep: MappingRun,
  sourceId: string,
): Promise<string | undefined> {
  if (dep === mappingRun || dep.mapping.name === mappingRun.mapping.fanOut?.parent) return undefined;
  const pending = dep.inFlight(sourceId);
  if (!pending) return undefined;
  await pending.catch(() => {});
  return (await dep.state.getLink(sourceId))?.targetId;
}

/**
 * Placeholder ids stand for records a dry run would create. They are numeric (negative,
 * so they can never be a real id) so that an integer-typed property still converts them.
 */
export function isPlaceholder(id: string): boolean {
  return id.startsWith('-') && /^-9\d{8,}$/.test(id);
}

/** Throw the first missing dependency, if any (after evaluating a record). */
export function assertResolved(context: RecordContext): void {
  const first = context.missing[0];
  if (first) throw first;
}

/**
 * The dependency's record does not exist in its system any more (a lookup answered "not
 * found"): it will never be linked, so the dependent record is not retried forever — its
 * automatic retries stop after `RETRY_LIMITS.DEPENDENCY_GONE` attempts (backoff.ts), and a
 * person retries it once the dependency is back or the record is changed.
 */
function dependencyGone(dep: MappingRun, key: string, dependent: string): RecordFailure {
  const { system, entity } = dep.mapping.source;
  return new RecordFailure(
    'DEPENDENCY_GONE',
    'not-found',
    `${dependent} needs ${dep.mapping.name} record ${key}, which no longer exists in ${system} (${entity} ${key}: not found when looked up); restore it or change this record, then retry`,
    { details: { mapping: dep.mapping.name, key } },
  );
}

function dependencyFailed(mapping: string, key: string, dependent: string, reason?: string): RecordFailure {
  return new RecordFailure(
    'MISSING_DEPENDENCY',
    'dependency',
    `${dependent} needs ${mapping} record ${key}, which could not be linked${reason ? `: ${reason}` : ''}`,
    { details: { mapping, key } },
  );
}
