/**
 * Sending a create whose record carries an identity guard (its intent is stored), so that a
 * failure that may be transient never turns into a deferred failed record — and the records
 * that depend on it into MISSING_DEPENDENCY — when the run can settle it now.
 *
 * A create answered by a transient failure (`transport`: 5xx, `ambiguous`: timeout, reset,
 * unreadable body) may or may not have been applied. The guard tells: exactly one record
 * carries it → that is ours, link it; none → nothing was applied, so sending the create again
 * is not blind; several → a failed record. Up to {@link CREATE_ATTEMPTS} sends, with a short
 * pause between them; after that the record fails (and is retried on the next run). A
 * `conflict` naming the record that holds our guard value (PowerOffice's "already in use …
 * Id = N") links N when it really carries our guard; a conflict naming no record is looked
 * up by guard (never sent again).
 *
 * Whether the intent can be dropped afterwards is decided here too: only when nothing can
 * have been created (every attempt was refused outright, and the last lookup found
 * nothing). After an `ambiguous` attempt the intent is kept: a server may still commit a
 * request it never answered, and the next run resolves the intent by guard.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isConnectorError } from '../connectors/errors.ts';
import type { EntityRecord } from '../connectors/types.ts';
import { getPath } from '../mapping/values.ts';
import type { IntentRecord } from '../store/sync-state.ts';
import { RecordFailure } from './failures.ts';
import type { MappingRun } from './mapping-run.ts';
import type { SideBinding } from './run-types.ts';

/** Sends of one create within a run, the first included. */
export const CREATE_ATTEMPTS = 3;
/** Pause before the 2nd and 3rd send (the guard lookup in between takes its own time). */
export const CREATE_RETRY_PAUSE_MS = [200, 800] as const;

/** Guard lookups look back this far before the intent's time (clock skew between systems). */
const GUARD_SKEW_MS = 10 * 60_000;

/** Failure kinds a create may be sent again after (once the guard proved it did not land). */
const TRANSIENT = new Set(['transport', 'ambiguous']);

export type GuardedCreated<T> = (T & { found?: false }) | { id: string; record: EntityRecord; found: true };

/** Thrown by {@link sendGuardedCreate}: the error, and whether the intent must be kept. */
export class GuardedCreateError extends Error {
  constructor(
    readonly error: unknown,
    /** Something may have been created: keep the intent for the next run's guard lookup. */
    readonly keepIntent: boolean,
  ) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

export async function sendGuardedCreate<T extends { id: string; record: EntityRecord }>(
  mappingRun: MappingRun,
  binding: SideBinding,
  intent: IntentRecord,
  send: () => Promise<T>,
): Promise<GuardedCreated<T>> {
  let maybeApplied = false;
  for (let attempt = 1; ; attempt++) {
    let error: unknown;
    try {
      return await send();
    } catch (caught) {
      error = caught;
    }
    if (!isConnectorError(error)) throw new GuardedCreateError(error, maybeApplied);
    const conflict = error.kind === 'conflict';
    if (conflict && error.existingId !== undefined) {
      const existing = await ownRecordInConflict(mappingRun, binding, intent, error.existingId);
      if (existing) return existing;
      throw new GuardedCreateError(error, maybeApplied);
    }
    // A conflict without the holder's id: our guard may be what is in use.
    if (!conflict && !TRANSIENT.has(error.kind)) throw new GuardedCreateError(error, maybeApplied);
    if (error.kind === 'ambiguous') maybeApplied = true;
    let found: EntityRecord[];
    try {
      found = await lookupGuard(binding, intent);
    } catch (lookup) {
      // The outcome stays unknown: keep the intent, the next run looks again.
      throw new GuardedCreateError(lookup, true);
    }
    if (found.length === 1) {
      const record = found[0]!;
      mappingRun.run.deps.runtime.logger.info(
        { mapping: mappingRun.mapping.name, guard: intent.guard.field, kind: error.kind, attempt },
        'create outcome resolved through the identity guard: the record exists, linking it',
      );
      return { id: binding.descriptor.idOf(record), record, found: true };
    }
    if (found.length > 1) {
      const ids = found.map((r) => binding.descriptor.idOf(r));
      throw new GuardedCreateError(
        new RecordFailure(
          'AMBIGUOUS_GUARD',
          'ambiguous',
          `${found.length} records carry this record's identity guard ${intent.guard.field}: ${ids.join(', ')}`,
          { candidates: ids },
        ),
        true,
      );
    }
    if (conflict) throw new GuardedCreateError(error, maybeApplied);
    if (attempt >= CREATE_ATTEMPTS) throw new GuardedCreateError(finalFailure(error, intent), maybeApplied);
    mappingRun.run.deps.runtime.logger.info(
      { mapping: mappingRun.mapping.name, guard: intent.guard.field, kind: error.kind, attempt },
      `create failed (${error.code}) and its guard found nothing: sending it again`,
    );
    if (!(await pause(mappingRun, CREATE_RETRY_PAUSE_MS[attempt - 1] ?? 800))) {
      throw new GuardedCreateError(error, maybeApplied);
    }
  }
}

/** Send a guarded create (see the top of this file); drop the intent when nothing was created. */
export async function createOrDropIntent<T extends { id: string; record: EntityRecord }>(
  mappingRun: MappingRun,
  binding: SideBinding,
  intent: IntentRecord,
  send: () => Promise<T>,
  dropIntent: () => Promise<void>,
): Promise<GuardedCreated<T>> {
  try {
    return await sendGuardedCreate(mappingRun, binding, intent, send);
  } catch (error) {
    if (!(error instanceof GuardedCreateError)) throw error;
    // Refused outright (4xx, a 5xx answer, connection refused): nothing was created.
    if (!error.keepIntent) await dropIntent();
    throw error.error;
  }
}

/** What the record fails with after the last attempt. */
function finalFailure(error: unknown, intent: IntentRecord): unknown {
  if (!isConnectorError(error, 'ambiguous')) return error;
  return new RecordFailure(
    'CREATE_OUTCOME_UNKNOWN',
    'ambiguous',
    `the create failed ${CREATE_ATTEMPTS} times without an answer (${error.message}); the intent is kept and resolved by its identity guard ${intent.guard.field} on the next run`,
    { ...(error.method ? { request: { method: error.method, path: error.path } } : {}) },
  );
}

/** "… is already in use … Id = N": N when it carries our guard (it is our record). */
async function ownRecordInConflict(
  mappingRun: MappingRun,
  binding: SideBinding,
  intent: IntentRecord,
  existingId: string,
): Promise<{ id: string; record: EntityRecord; found: true } | undefined> {
  const existing = await binding.connector.get(binding.entity, existingId);
  if (!existing || String(getPath(existing, intent.guard.field) ?? '') !== intent.guard.value)
    return undefined;
  mappingRun.run.deps.runtime.logger.info(
    { mapping: mappingRun.mapping.name, guard: intent.guard.field, existingId },
    'create refused as a duplicate of our own record: linking it',
  );
  return { id: binding.descriptor.idOf(existing), record: existing, found: true };
}

/** Records carrying the intent's guard value (normally zero or one). */
export async function lookupGuard(binding: SideBinding, intent: IntentRecord): Promise<EntityRecord[]> {
  return binding.connector.findByGuard(binding.entity, {
    field: intent.guard.field,
    value: intent.guard.value,
    notBefore: new Date(new Date(intent.at).getTime() - GUARD_SKEW_MS),
    ...(intent.parentId ? { parentId: intent.parentId } : {}),
  });
}

/** Wait `ms` unless the run stops meanwhile; false when it did (no further attempt then). */
async function pause(mappingRun: MappingRun, ms: number): Promise<boolean> {
  const signal = mappingRun.run.stopSignal;
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
