/**
 * Failed records: what went wrong with one record, kept so the rest of the run goes on and
 * the record is tried again later (with backoff) or on demand (`mapsync retry`).
 *
 * Everything that fails one record becomes a `RecordFailure`; a `StoreError` is never one
 * (it stops the run), and neither is an `auth` failure of a listing (it stops the mapping).
 */
import { isConnectorError } from '../connectors/errors.ts';
import type { EntityRecord } from '../connectors/types.ts';
import { EvaluationInterrupted, MappingRuntimeError, MapsyncError, StoreError } from '../errors.ts';
import type { Side } from '../mapping/model.ts';
import { NonFiniteNumberError } from '../mapping/plain.ts';
import { CoercionError } from '../mapping/values.ts';
import type { FailedRecord, FailedRequest, MappingState } from '../store/sync-state.ts';
import { nextAttemptAt, retriesExhausted } from './backoff.ts';
import {
  boundJson,
  boundText,
  CANDIDATES_LIMIT,
  DETAILS_LIMIT,
  REQUEST_BODY_LIMIT,
  redactQuoted,
  withoutValue,
} from './failure-bounds.ts';
import { contentHash } from './hash.ts';

/** The failed record of a source record whose mapping action failed (actions.ts). */
export const ACTION_FAILED = 'ACTION_FAILED';

/**
 * The kind of a record whose evaluation a shutdown (or pause) stopped: nothing is wrong
 * with it, so it is due again at once and the attempt does not count (storeFailure).
 */
export const INTERRUPTED = 'interrupted';

/** A record-level failure raised by the engine itself. */
export class RecordFailure extends MapsyncError {
  constructor(
    code: string,
    readonly kind: string,
    message: string,
    readonly extra: {
      request?: FailedRequest;
      candidates?: string[];
      details?: unknown;
      retryAfterMs?: number;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * A batched write dropped right before it was sent: the record was modified after the
 * engine read it (its modification time moved), so what the merge decided may overwrite a
 * newer edit. `fresh` is the record as it is now (absent when it is gone); the caller merges
 * again with it, or leaves the record to the next run (kind `stale`: due at once).
 */
export class ChangedSinceRead extends RecordFailure {
  constructor(
    readonly fresh: EntityRecord | undefined,
    what: string,
  ) {
    super(
      'CHANGED_SINCE_READ',
      'stale',
      `${what} was ${fresh ? 'modified' : 'removed'} after it was read; the write was not sent and is merged again with the current record`,
    );
  }
}

export function missingDependency(mapping: string, key: string, dependent: string): RecordFailure {
  return new RecordFailure(
    'MISSING_DEPENDENCY',
    'dependency',
    `${dependent} needs ${mapping} record ${key}, which is not linked yet (dependency policy: wait)`,
    { details: { mapping, key } },
  );
}

export interface ClassifiedFailure {
  code: string;
  kind: string;
  reason: string;
  request?: FailedRequest;
  candidates?: string[];
  details?: unknown;
  retryAfterMs?: number;
}

/** Turn any error of one record into what is stored. Store errors are re-thrown. */
export function classify(error: unknown): ClassifiedFailure {
  if (error instanceof StoreError) throw error;
  if (error instanceof RecordFailure) {
    return {
      code: error.code,
      kind: error.kind,
      reason: error.message,
      ...(error.extra.request ? { request: error.extra.request } : {}),
      ...(error.extra.candidates ? { candidates: error.extra.candidates } : {}),
      ...(error.extra.details !== undefined ? { details: error.extra.details } : {}),
      ...(error.extra.retryAfterMs !== undefined ? { retryAfterMs: error.extra.retryAfterMs } : {}),
    };
  }
  if (isConnectorError(error)) {
    // The system's own words may quote what was sent: quoted parts are left out of the
    // reason (the full text goes to the details).
    const fields = error.fields
      ? ` (${Object.entries(error.fields)
          .map(([k, v]) => `${k}: ${redactQuoted(v)}`)
          .join('; ')})`
      : '';
    const reason = `${redactQuoted(error.message)}${fields}`;
    const full = `${error.message}${error.fields ? ` ${JSON.stringify(error.fields)}` : ''}`;
    return {
      code: error.code,
      kind: error.kind,
      reason,
      ...(full !== reason
        ? { details: { message: error.message, ...(error.fields ? { fields: error.fields } : {}) } }
        : {}),
      request: {
        ...(error.method ? { method: error.method } : {}),
        ...(error.path ? { path: error.path } : {}),
        ...(error.requestBody !== undefined ? { body: error.requestBody } : {}),
      },
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  if (error instanceof EvaluationInterrupted)
    return { code: error.code, kind: INTERRUPTED, reason: error.message };
  if (error instanceof MappingRuntimeError) {
    // The value that did not convert (or that JSONata quotes in its message) goes to the
    // details, never into the reason.
    const cause = error.cause;
    const value =
      cause instanceof NonFiniteNumberError
        ? String(cause.value)
        : cause instanceof CoercionError
          ? cause.value
          : (cause as { value?: unknown } | undefined)?.value;
    return {
      code: error.code,
      kind: 'mapping',
      reason: mappingReason(error, value),
      ...(value !== undefined ? { details: { property: error.expression, value } } : {}),
    };
  }
  if (error instanceof MapsyncError) return { code: error.code, kind: 'internal', reason: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', kind: 'internal', reason: message };
}

/**
 * The reason of an expression failure: where it happened (file, line, mapping, property),
 * then JSONata's or a helper's words with what they quote left out (`Unable to cast value to
 * a number: "…"`, `$divide: "…" is not a number`): quoted parts are record data.
 */
function mappingReason(error: MappingRuntimeError, value: unknown): string {
  const message = withoutValue(error.message, value);
  const label = error.expression ? `${error.expression}: ` : undefined;
  const at = label ? message.indexOf(label) : -1;
  if (at < 0) return message;
  const head = message.slice(0, at + label!.length);
  return `${head}${redactQuoted(message.slice(head.length))}`;
}

/** A failure as it may be kept (see failure-bounds.ts): bounded, request body included. */
export function bounded(failure: ClassifiedFailure): ClassifiedFailure {
  const { request, candidates, details, ...rest } = failure;
  const body = request?.body !== undefined ? boundJson(request.body, REQUEST_BODY_LIMIT) : undefined;
  return {
    ...rest,
    reason: boundText(failure.reason),
    ...(request ? { request: { ...request, ...(body !== undefined ? { body } : {}) } } : {}),
    ...(candidates
      ? {
          candidates:
            candidates.length > CANDIDATES_LIMIT
              ? [
                  ...candidates.slice(0, CANDIDATES_LIMIT),
                  `… and ${candidates.length - CANDIDATES_LIMIT} more`,
                ]
              : candidates,
        }
      : {}),
    ...(details !== undefined ? { details: boundJson(details, DETAILS_LIMIT) } : {}),
  };
}

/** Store (or update) the failed record; returns it. */
export async function storeFailure(
  state: MappingState,
  side: Side,
  id: string,
  failure: ClassifiedFailure,
  now: Date,
  previous?: FailedRecord,
  version?: string,
): Promise<FailedRecord> {
  // Interrupted: not an attempt that failed; due at once, the previous failure's count and
  // stop kept (nothing vanishes: the next run takes the record up, or a person does).
  const interrupted = failure.kind === INTERRUPTED;
  const attempts = interrupted ? Math.max(1, previous?.attempts ?? 1) : (previous?.attempts ?? 0) + 1;
  const stoppedAt = interrupted
    ? previous?.stoppedAt
    : retriesExhausted(failure.code, attempts)
      ? now.toISOString()
      : undefined;
  const record: FailedRecord = {
    mapping: state.mapping,
    side,
    id,
    code: failure.code,
    kind: failure.kind,
    reason: failure.reason,
    ...(failure.request ? { request: failure.request } : {}),
    ...(failure.candidates ? { candidates: failure.candidates } : {}),
    ...(failure.details !== undefined ? { details: failure.details } : {}),
    firstAt: previous?.firstAt ?? now.toISOString(),
    at: now.toISOString(),
    attempts,
    nextAttemptAt: (interrupted
      ? now
      : nextAttemptAt(now, attempts, failure.retryAfterMs, failure.kind)
    ).toISOString(),
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
    ...(version !== undefined ? { version } : {}),
  };
  await state.setFailed(record);
  return record;
}

/**
 * Whether a failure is news for the log: the record's first failure, another code or
 * reason, another version of the record, or the failure that stops its automatic retries.
 * A record that fails the same way, unchanged, at every run (a full scan lists it each
 * time) is logged once: the failed record in the store and `mapsync failed` keep its count.
 */
export function worthLogging(stored: FailedRecord, previous: FailedRecord | undefined): boolean {
  if (!previous) return true;
  if (stored.code !== previous.code || stored.reason !== previous.reason) return true;
  if (stored.version === undefined || stored.version !== previous.version) return true;
  return stored.stoppedAt !== undefined && previous.stoppedAt === undefined;
}

/**
 * A record's version for {@link worthLogging}: its modification time, or a hash of its
 * content when its system keeps none (the hash only then: it reads the whole record).
 */
export function recordVersion(modifiedAt: Date | undefined, record: EntityRecord): string {
  return modifiedAt && !Number.isNaN(modifiedAt.getTime()) ? modifiedAt.toISOString() : contentHash(record);
}
