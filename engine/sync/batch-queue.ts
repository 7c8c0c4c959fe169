/**
 * Collects partial updates for a connector with batch endpoints (WooCommerce `…/batch`)
 * and sends them in chunks of at most `maxItems`. Callers await their own item; a chunk
 * goes out when it is full or after a short linger, so concurrent record workers share
 * calls without any of them waiting for the end of a page.
 */
import type { BatchWrites, EntityRecord, PatchOperation, RecordId } from '../connectors/types.ts';

interface Pending {
  id: RecordId;
  ops: PatchOperation[];
  resolve(record: EntityRecord | undefined): void;
  reject(error: unknown): void;
}

export class BatchQueue {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  private readonly lingerMs: number;
  private readonly signal: AbortSignal | undefined;

  constructor(
    private readonly batch: BatchWrites,
    private readonly entity: string,
    options: { lingerMs?: number; signal?: AbortSignal } = {},
  ) {
    this.lingerMs = options.lingerMs ?? 25;
    this.signal = options.signal;
  }

  update(id: RecordId, ops: PatchOperation[]): Promise<EntityRecord | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id, ops, resolve, reject });
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

  private async send(chunk: Pending[]): Promise<void> {
    try {
      // The store failed while these waited: nothing more is sent.
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
}
