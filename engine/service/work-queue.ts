/**
 * Webhook work waiting for its mapping's lock. Deliveries are coalesced: while a record's
 * item is still waiting, further deliveries for the same mapping, side and id only update
 * the event (WooCommerce sends the record as of delivery time, and the engine reads the
 * current record anyway), so a burst of edits costs one sync. An item already being
 * processed is not coalesced with: the new delivery may carry a change that processing has
 * already read past, so it is queued again.
 *
 * The queue is bounded: beyond `maxItems` an item is dropped and the mapping is asked for an
 * incremental run instead, which finds the same changes through the cursor or full scan.
 * Items live in memory only: after a restart, polling and reconciliation find what they
 * carried (webhooks are hints, polling is the backbone).
 */
import type { WorkItem } from './ports.ts';

export type EnqueueResult = 'queued' | 'coalesced' | 'dropped';

export interface WorkQueueObserver {
  enqueued(item: WorkItem, result: EnqueueResult): void;
}

export interface WorkQueueOptions {
  maxItems: number;
  observer?: WorkQueueObserver;
  /** Called when an item was dropped: the mapping should run instead. */
  onOverflow?(mapping: string): void;
  /** Called when a mapping has new work. */
  onWork?(mapping: string): void;
}

export class WorkQueue {
  private readonly byMapping = new Map<string, Map<string, WorkItem>>();
  private total = 0;

  constructor(private readonly options: WorkQueueOptions) {}

  enqueue(item: WorkItem): EnqueueResult {
    const key = `${item.side}\u0000${item.id}`;
    let items = this.byMapping.get(item.mapping);
    const existing = items?.get(key);
    let result: EnqueueResult;
    if (existing) {
      existing.event = item.event;
      result = 'coalesced';
    } else if (this.total >= this.options.maxItems) {
      result = 'dropped';
    } else {
      if (!items) {
        items = new Map();
        this.byMapping.set(item.mapping, items);
      }
      items.set(key, { ...item });
      this.total++;
      result = 'queued';
    }
    this.options.observer?.enqueued(item, result);
    if (result === 'dropped') this.options.onOverflow?.(item.mapping);
    else this.options.onWork?.(item.mapping);
    return result;
  }

  /** Remove and return the oldest waiting item of a mapping. */
  take(mapping: string): WorkItem | undefined {
    const items = this.byMapping.get(mapping);
    if (!items) return undefined;
    const first = items.entries().next();
    if (first.done) return undefined;
    const [key, item] = first.value;
    items.delete(key);
    this.total--;
    if (items.size === 0) this.byMapping.delete(mapping);
    return item;
  }

  /** Waiting items of one mapping, or of all. */
  size(mapping?: string): number {
    if (mapping === undefined) return this.total;
    return this.byMapping.get(mapping)?.size ?? 0;
  }

  /** Drop everything still waiting (shutdown); returns how many were dropped. */
  clear(): number {
    const dropped = this.total;
    this.byMapping.clear();
    this.total = 0;
    return dropped;
  }
}
