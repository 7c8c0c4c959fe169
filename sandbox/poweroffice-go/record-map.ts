/**
 * Records by id, with an index over the fields the service keeps unique, so that a client
 * of 100,000 customers answers a create in constant time instead of scanning every record
 * (bench/scale-memory.ts backfills that many). Only a cache: every write goes through
 * `set`/`delete`/`clear`, and the modules never change an indexed field of a record after
 * storing it (they build a new record and `set` it).
 *
 * Keys follow `ensureUnique`'s comparison: text trimmed and case-folded (SQL Server's
 * collation), numbers and booleans by value; other values are not indexed (nothing equal to
 * a text or number value can hide there).
 */
import type { Rec } from './state.ts';

function keyOf(value: unknown): string | undefined {
  if (typeof value === 'string') return `s:${value.trim().toLowerCase()}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value}:${String(value)}`;
  return undefined;
}

export class RecordMap extends Map<string, Rec> {
  private readonly index = new Map<string, Map<string, Set<string>>>();
  private readonly maxima = new Map<string, number | undefined>();
  /**
   * Told about every change before it happens, with the record as it was (undefined for
   * an insert): the read replica keeps that version visible for a while (replica.ts).
   */
  onWrite?: (id: string, before: Rec | undefined) => void;

  constructor(
    /** The indexed fields. */
    readonly fields: readonly string[],
    entries: Iterable<readonly [string, Rec]> = [],
  ) {
    super();
    for (const field of fields) this.index.set(field, new Map());
    for (const [id, rec] of entries) this.set(id, rec);
  }

  override set(id: string, rec: Rec): this {
    // Map's constructor calls set() before the fields above exist.
    if (!this.index) return super.set(id, rec);
    const old = super.get(id);
    this.onWrite?.(id, old);
    if (old) this.unindex(id, old);
    super.set(id, rec);
    for (const [field, byKey] of this.index) {
      const key = keyOf(rec[field]);
      if (key === undefined) continue;
      let ids = byKey.get(key);
      if (!ids) {
        ids = new Set();
        byKey.set(key, ids);
      }
      ids.add(id);
    }
    for (const [field, max] of this.maxima) {
      const n = Number(rec[field] ?? 0);
      if (max !== undefined && n > max) this.maxima.set(field, n);
    }
    return this;
  }

  override delete(id: string): boolean {
    const old = super.get(id);
    if (old) {
      this.onWrite?.(id, old);
      this.unindex(id, old);
    }
    return super.delete(id);
  }

  override clear(): void {
    super.clear();
    for (const byKey of this.index.values()) byKey.clear();
    for (const field of this.maxima.keys()) this.maxima.set(field, undefined);
  }

  /** Whether `field` is indexed. */
  indexes(field: string): boolean {
    return this.index.has(field);
  }

  /** Ids of the records holding `value` in the indexed `field` (compared as `ensureUnique` does). */
  holders(field: string, value: unknown): string[] {
    const key = keyOf(value);
    if (key === undefined) return [];
    return [...(this.index.get(field)?.get(key) ?? [])];
  }

  /** The largest `Number(record[field] ?? 0)` over the records, 0 when there are none. */
  max(field: string): number {
    let max = this.maxima.get(field);
    if (max === undefined) {
      max = 0;
      for (const rec of super.values()) max = Math.max(max, Number(rec[field] ?? 0));
      this.maxima.set(field, max);
    }
    return max;
  }

  private unindex(id: string, rec: Rec): void {
    for (const [field, byKey] of this.index) {
      const key = keyOf(rec[field]);
      if (key === undefined) continue;
      const ids = byKey.get(key);
      ids?.delete(id);
      if (ids?.size === 0) byKey.delete(key);
    }
    // A removed record holding the maximum: recompute on the next ask.
    for (const [field, max] of this.maxima) {
      if (max !== undefined && !(Number(rec[field] ?? 0) < max)) this.maxima.set(field, undefined);
    }
  }
}
