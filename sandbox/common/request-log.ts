/**
 * What a sandbox received and answered, so tests and benchmarks can count exactly what a
 * run sent ("zero writes", "one PATCH with one op"). Query strings are kept without
 * credential parameters; bodies are kept for writes only, and only when asked to.
 */
export interface LoggedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  durationMs: number;
  /** The injected fault, when one was. */
  fault?: string;
  /** Request body of writes (when body logging is on). */
  body?: unknown;
}

const SECRET_PARAMS = /^(consumer_key|consumer_secret|oauth_signature|subscription-key)$/i;

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  constructor(
    private readonly capacity = 100_000,
    public keepBodies = true,
  ) {}

  add(entry: Omit<LoggedRequest, 'seq' | 'query'> & { query?: Record<string, unknown> }): void {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(entry.query ?? {})) {
      query[k] = SECRET_PARAMS.test(k) ? '[REDACTED]' : String(v);
    }
    const { body, ...rest } = entry;
    this.entries.push({
      ...rest,
      query,
      seq: ++this.seq,
      ...(this.keepBodies && body !== undefined ? { body } : {}),
    });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** Entries after `sinceSeq` (all when absent). */
  list(sinceSeq = 0): LoggedRequest[] {
    return this.entries.filter((e) => e.seq > sinceSeq);
  }

  /** The sequence number of the newest entry (use as a mark before an action). */
  mark(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
