/**
 * PowerOffice Go answers every GET from a replicated database that lags behind writes
 * (normally under a second; the vendor asks integrators to wait 1–2 s before reading back
 * what they wrote). With a lag set (opt-in; 0 by default) the sandbox keeps, for every
 * write, the version of the record from before it and serves that version to reads until
 * the lag has passed — lists, filters by LastChangedDateTimeOffset and reads by id alike.
 *
 * The lag applies per write, as it is at the moment of the write, so two writes can become
 * visible out of order (a slow commit of an earlier change): exactly the case that makes a
 * cursor skip a change unless listings overlap. Writes to one record never overtake each
 * other: a record shows its state before the oldest write still pending.
 *
 * Writes themselves (POST/PATCH/DELETE) work on the primary data and answer from it.
 */
import { RecordMap } from './record-map.ts';
import type { Rec } from './state.ts';

interface Pending {
  visibleAt: number;
  /** The record before the write; undefined when the write created it. */
  before: Rec | undefined;
}

export class Replica {
  /** Lag applied to writes made from now on, in ms (0 = reads see writes at once). */
  lagMs = 0;
  private readonly pending = new Map<string, Map<string, Pending[]>>();

  /** Called before a record of `collection` changes. */
  record(collection: string, id: string, before: Rec | undefined, now = Date.now()): void {
    if (this.lagMs <= 0) return;
    let byId = this.pending.get(collection);
    if (!byId) {
      byId = new Map();
      this.pending.set(collection, byId);
    }
    const list = byId.get(id) ?? [];
    list.push({
      visibleAt: now + this.lagMs,
      before: before === undefined ? undefined : structuredClone(before),
    });
    byId.set(id, list);
  }

  /** Make every write visible now (tests: no waiting for the lag). */
  catchUp(): void {
    this.pending.clear();
  }

  /** Drop what has become visible; true when something is still hidden. */
  hidesAnything(now = Date.now()): boolean {
    for (const [collection, byId] of this.pending) {
      for (const [id, list] of byId) {
        // A write is visible once it and every earlier write to the record are.
        let latest = 0;
        let visible = 0;
        for (const p of list) {
          latest = Math.max(latest, p.visibleAt);
          if (latest > now) break;
          visible++;
        }
        list.splice(0, visible);
        if (list.length === 0) byId.delete(id);
      }
      if (byId.size === 0) this.pending.delete(collection);
    }
    return this.pending.size > 0;
  }

  /** What a read of `collection` sees at `now`: the primary records with hidden writes undone. */
  view(collection: string, primary: RecordMap, now = Date.now()): RecordMap {
    const byId = this.pending.get(collection);
    if (!byId || byId.size === 0) return primary;
    const hidden = new Map<string, Rec | undefined>();
    for (const [id, list] of byId) {
      // The first write not yet visible (writes to one record never overtake each other)
      // decides: the record as it was before it.
      let latest = 0;
      for (const p of list) {
        latest = Math.max(latest, p.visibleAt);
        if (latest > now) {
          hidden.set(id, p.before);
          break;
        }
      }
    }
    if (hidden.size === 0) return primary;
    const entries: Array<[string, Rec]> = [];
    for (const [id, rec] of primary) if (!hidden.has(id)) entries.push([id, rec]);
    for (const [id, before] of hidden) if (before !== undefined) entries.push([id, before]);
    return new RecordMap(primary.fields, entries);
  }
}
