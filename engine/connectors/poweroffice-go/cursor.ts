/**
 * The change cursor of customers, products and sales orders: the newest change timestamp
 * seen (exactly as the API returned it) plus the records already delivered whose change
 * falls in the overlap window before it — `po2;<newest>;<id>@<ticks>,…`, where ticks is
 * how far (100 ns units) before the newest each one is.
 *
 * Why: PowerOffice answers reads from a replica that can lag behind writes, so a change
 * can become visible after a later one and carry an older timestamp than the cursor.
 * Listings therefore start `overlap_seconds` before the cursor; the window's records that
 * were already delivered with the same timestamp are skipped, so an idle poll returns
 * nothing while a late-arriving change is still returned.
 *
 * A plain timestamp (a cursor stored by an older version, or given by hand) is read as a
 * cursor without a window: only the record carrying that exact timestamp counts as seen.
 */
import { compareTimestamps, toTicks } from './timestamps.ts';

/** At most this many window entries are kept; beyond it the oldest may be delivered twice. */
export const MAX_WINDOW = 100;

export interface Cursor {
  newest: string;
  /** Record id → the change timestamp it was delivered with (within the window). */
  seen: Map<string, bigint>;
}

export function decodeCursor(value: string): Cursor | undefined {
  if (!value.startsWith('po2;')) {
    return toTicks(value) === undefined ? undefined : { newest: value, seen: new Map() };
  }
  const [, newest = '', window = ''] = value.split(';');
  const top = toTicks(newest);
  if (top === undefined) return undefined;
  const seen = new Map<string, bigint>();
  for (const entry of window.split(',').filter(Boolean)) {
    const at = entry.lastIndexOf('@');
    const delta = entry.slice(at + 1);
    if (at <= 0 || !/^\d+$/.test(delta)) return undefined;
    seen.set(entry.slice(0, at), top - BigInt(delta));
  }
  return { newest, seen };
}

export function encodeCursor(cursor: Cursor): string {
  const top = toTicks(cursor.newest)!;
  const entries = [...cursor.seen]
    .sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0))
    .slice(0, MAX_WINDOW)
    .map(([id, ticks]) => `${id}@${(top - ticks).toString()}`);
  return `po2;${cursor.newest};${entries.join(',')}`;
}

/**
 * Tracks one listing: what to skip, and the cursor after each page.
 */
export class CursorWindow {
  private newest: string | undefined;
  private readonly seen = new Map<string, bigint>();

  /** A plain cursor's timestamp: the record carrying exactly this one was delivered. */
  private readonly exact: bigint | undefined;

  constructor(
    since: Cursor | undefined,
    private readonly overlapTicks: bigint,
  ) {
    this.newest = since?.newest;
    if (since) for (const [id, ticks] of since.seen) this.seen.set(id, ticks);
    if (since && since.seen.size === 0) this.exact = toTicks(since.newest);
  }

  /** Whether the record was already delivered with this change (skip it). */
  delivered(id: string, stamp: string | undefined): boolean {
    const ticks = stamp === undefined ? undefined : toTicks(stamp);
    if (ticks === undefined) return false;
    if (this.seen.get(id) === ticks) return true;
    return this.exact !== undefined && ticks === this.exact;
  }

  /** Note a record as delivered (also one skipped as delivered: it stays in the window). */
  add(id: string, stamp: string | undefined): void {
    const ticks = stamp === undefined ? undefined : toTicks(stamp);
    if (ticks === undefined) return;
    this.seen.set(id, ticks);
    if (this.newest === undefined || compareTimestamps(stamp!, this.newest) > 0) this.newest = stamp;
  }

  /** The cursor covering everything added so far (undefined before anything was seen). */
  cursor(): string | undefined {
    if (this.newest === undefined) return undefined;
    const top = toTicks(this.newest)!;
    for (const [id, ticks] of this.seen) if (ticks <= top - this.overlapTicks) this.seen.delete(id);
    return encodeCursor({ newest: this.newest, seen: this.seen });
  }
}
