/**
 * RFC 6902 `test` ops as preconditions on PowerOffice Go PATCHes (Connector.preconditions).
 *
 * Go has no ETag/If-Match (last write wins), but its PATCH endpoints take a JSON Patch
 * document, and ASP.NET Core's JsonPatch applies `test` (since 2.2): a failed test answers
 * 400 "The current value … is not equal to the test value …" and applies nothing, which
 * errors.ts classifies as `stale`. Whether Go's own endpoints pass `test` through is not
 * documented; an API that does not implement it answers a 400 naming the operation. Then
 * this connector stops sending `test` ops (warned once) and the engine reads each record
 * right before updating it instead (docs/poweroffice-go.md, "Concurrent edits").
 */
import type { Logger } from 'pino';
import { ConnectorError, isConnectorError } from '../errors.ts';
import type { PatchOperation, PatchPreconditions } from '../types.ts';
import { SYSTEM } from './errors.ts';

/** A 400 refusing the `test` operation itself (not a failed test). */
const TEST_REFUSED =
  /\b(the )?test operation is not supported\b|\binvalid jsonpatch operation 'test'|\boperation 'test'[^.]*\bnot (supported|allowed)\b/i;

export class TestPreconditions implements PatchPreconditions {
  /** Set when the API refused a `test` op: from then on none is sent by this connector. */
  private refused = false;

  constructor(private readonly logger: Logger) {}

  honoured(): boolean {
    return !this.refused;
  }

  /**
   * The error to throw for a failed PATCH that carried `test` ops: when the API refused the
   * op itself, a `stale` error (the engine reads the record and merges again, then sends
   * without `test`) after noting the refusal; otherwise the error as it is.
   */
  refusal(error: unknown, ops: readonly PatchOperation[]): unknown {
    if (!isConnectorError(error, 'validation') || error.status !== 400) return error;
    const text = [error.message, ...Object.values(error.fields ?? {})].join(' ');
    if (!ops.some((op) => op.op === 'test') || !TEST_REFUSED.test(text)) return error;
    if (!this.refused) {
      this.refused = true;
      this.logger.warn(
        { system: SYSTEM },
        'PowerOffice Go refused the JSON Patch "test" operation: updates are sent without preconditions from now on, each record read right before it is updated',
      );
    }
    return new ConnectorError(
      `${error.message} (the update is merged again with the record as read now and sent without "test")`,
      {
        system: SYSTEM,
        kind: 'stale',
        status: 400,
        ...(error.method ? { method: error.method } : {}),
        ...(error.path ? { path: error.path } : {}),
      },
      { cause: error },
    );
  }
}
