/**
 * Collects partial updates for a connector with batch endpoints (WooCommerce `…/batch`)
 * and sends them in chunks of at most `maxItems`. Callers await their own item; a chunk
 * goes out when it is full or after a short linger (25 ms), so concurrent record workers
 * share calls without any of them waiting for the end of a page.
 *
 * Right before a chunk is sent, the records whose items carry a `stillAsRead` check are
 * read again in one request (`reRead`, WooCommerce `include=`): an item whose record was
 * modified since the engine read it is dropped from the chunk and rejected with
 * {@link ChangedSinceRead} (carrying the fresh record), so a newer edit made while the
 * record waited for its turn is never overwritten with what the merge decided from the
 * older read.
 */
import type { BatchWrites, EntityRecord, PatchOperation, RecordId } from '../connectors/types.ts';
import { ChangedSinceRead } from './failures.ts';

/** Whether the record as it is now (undefined: gone) is still the one the write was decided on. */
export type StillAsRead = (fresh: EntityRecord | undefined) => boolean;

interface Pending {
  id: RecordId;
  ops: PatchOperation[];
  stillAsRead: StillAsRead | undefined;
  resolve(record: EntityRecord | undefined): void;
  reject(error: unknown): void;
}

export class BatchQueue {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  private readonly lingerMs: number;
  private readonly signal: AbortSignal | undefined;
  private readonly reRead: ((ids: RecordId[]) => Promise<Map<RecordId, EntityRecord>>) | undefined;

  constructor(
    private readonly batch: BatchWrites,
    private readonly entity: string,
    options: {
      lingerMs?: number;
      signal?: AbortSignal;
      /** The records by id as they are now, in one request (absent: no re-read). */
      reRead?: (ids: RecordId[]) => Promise<Map<RecordId, EntityRecord>>;
    } = {},
  ) {
    this.lingerMs = options.lingerMs ?? 25;
    this.signal = options.signal;
    this.reRead = options.reRead;
  }

  update(id: RecordId, ops: PatchOperation[], stillAsRead?: StillAsRead): Promise<EntityRecord | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id, ops, stillAsRead, resolve, reject });
      if (this.pending.length >= this.batch.maxItems) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.lingerMs);
    });
  }

  /** Send everything queued and wait for all chunks in flight. */
  async drain(): Promise<void> {
    this.flushNow();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const chunk = this.pending.splice(0, this.batch.maxItems);
      const sending = this.send(chunk).finally(() => this.inFlight.delete(sending));
      this.inFlight.add(sending);
    }
  }

  private async send(all: Pending[]): Promise<void> {
    let chunk = all;
    try {
      // The store failed while these waited: nothing more is sent.
      this.signal?.throwIfAborted();
      chunk = await this.dropChanged(all);
      if (chunk.length === 0) return;
      this.signal?.throwIfAborted();
      const results = await this.batch.updateMany(
        this.entity,
        chunk.map(({ id, ops }) => ({ id, ops })),
        this.signal ? { signal: this.signal } : {},
      );
      // Results come in request order; an id on a result (when given) is trusted over position.
      const byId = new Map(results.filter((r) => r.id !== undefined).map((r) => [String(r.id), r]));
      chunk.forEach((item, i) => {
        const result = byId.get(String(item.id)) ?? results[i];
        if (result?.error) item.reject(result.error);
        else item.resolve(result?.record);
      });
    } catch (error) {
      for (const item of chunk) item.reject(error);
    }
  }

  /** Re-read the checked items' records in one request; reject those modified since. */
  private async dropChanged(chunk: Pending[]): Promise<Pending[]> {
    const checked = chunk.filter((item) => item.stillAsRead);
    if (!this.reRead || checked.length === 0) return chunk;
    const fresh = await this.reRead(checked.map((item) => item.id));
    return chunk.filter((item) => {
      if (!item.stillAsRead) return true;
      const now = fresh.get(String(item.id));
      if (item.stillAsRead(now)) return true;
      item.reject(new ChangedSinceRead(now, `${this.entity} ${item.id}`));
      return false;
    });
  }
}
