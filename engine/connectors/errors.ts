import { MapsyncError } from '../errors.ts';

/**
 * What went wrong talking to a system, in terms the engine acts on. Connectors translate
 * every vendor failure into exactly one of these kinds; the engine never parses vendor
 * bodies itself.
 */
export type ConnectorErrorKind =
  /** Credentials missing, wrong or lacking a privilege (401/403). Stops the run for that system. */
  | 'auth'
  /** The system rejected the data (400/422). Not retried until the record changes. */
  | 'validation'
  /** The addressed record does not exist (404, or trashed where that means gone). */
  | 'not-found'
  /**
   * A precondition of an update failed (an RFC 6902 `test` op: the record changed since it
   * was read), or the system refused the `test` op itself (see PatchPreconditions). Nothing
   * was written; the engine reads the record again and merges again.
   */
  | 'stale'
  /** Uniqueness or "in use" conflicts (409, duplicate keys). */
  | 'conflict'
  /** The record exists but may not be modified (e.g. a confirmed sales order). */
  | 'locked'
  /** Still rate limited after the bounded retries. Retryable later. */
  | 'rate-limited'
  /** Network failures, timeouts of idempotent calls, 5xx, non-JSON error pages. Retryable. */
  | 'transport'
  /**
   * A non-idempotent write whose outcome is unknown (a POST that timed out or whose
   * connection reset). The engine must look the record up by its identity guard before
   * trying again; it is never blindly retried.
   */
  | 'ambiguous';

const RETRYABLE: ReadonlySet<ConnectorErrorKind> = new Set(['rate-limited', 'transport', 'ambiguous']);

export interface ConnectorErrorDetails {
  /** Connector kind, e.g. `woocommerce`. */
  system: string;
  kind: ConnectorErrorKind;
  /** HTTP status when there was a response. */
  status?: number;
  /** The vendor's own error code (`registration-error-email-exists`) or title, when known. */
  vendorCode?: string;
  /** HTTP method and path (never the query string, never credentials). */
  method?: string;
  path?: string;
  /** Per-field problems, when the vendor lists them. */
  fields?: Record<string, string>;
  /** Suggested wait before retrying, from `Retry-After` or similar. */
  retryAfterMs?: number;
  /**
   * For `conflict`s caused by a duplicate identity value (a guard such as an external
   * reference or SKU already in use): the id of the record that already holds it, when the
   * vendor says. The engine can link to it instead of creating the record again.
   */
  existingId?: string;
}

/** A failure talking to a connected system. `code` is `CONNECTOR_<KIND>` (stable). */
export class ConnectorError extends MapsyncError {
  readonly system: string;
  readonly kind: ConnectorErrorKind;
  readonly status?: number;
  readonly vendorCode?: string;
  readonly method?: string;
  readonly path?: string;
  readonly fields?: Record<string, string>;
  readonly retryAfterMs?: number;
  readonly existingId?: string;
  // A private field is neither enumerable nor serialised, so bodies never reach logs.
  #requestBody: unknown;

  constructor(message: string, details: ConnectorErrorDetails, options?: { cause?: unknown }) {
    super(`CONNECTOR_${details.kind.toUpperCase().replace('-', '_')}`, message, options);
    this.system = details.system;
    this.kind = details.kind;
    this.status = details.status;
    this.vendorCode = details.vendorCode;
    this.method = details.method;
    this.path = details.path;
    this.fields = details.fields;
    this.retryAfterMs = details.retryAfterMs;
    this.existingId = details.existingId;
  }

  /** Whether trying the same call again later can succeed without a change to the data. */
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  /** Attach the request body that failed (kept out of logs; stored with failed records). */
  withRequest(body: unknown): this {
    this.#requestBody = body;
    return this;
  }

  /** The request body attached with {@link withRequest}, if any. */
  get requestBody(): unknown {
    return this.#requestBody;
  }
}

export function isConnectorError(error: unknown, kind?: ConnectorErrorKind): error is ConnectorError {
  return error instanceof ConnectorError && (kind === undefined || error.kind === kind);
}
