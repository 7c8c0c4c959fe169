/**
 * The opaque change cursor of orders and products: `v1;<max date_modified_gmt>;<id>`, the
 * newest modification time (UTC, WooCommerce's own `YYYY-MM-DDTHH:MM:SS` format) seen so
 * far and the id of the record that carried it. The next listing starts at that time minus
 * the overlap window, because WooCommerce compares `modified_after` strictly, stores only
 * whole seconds and may commit a record with an older timestamp after a newer one; the
 * engine de-duplicates what the overlap lists again.
 */
import { parseGmt } from './entities.ts';

export interface Cursor {
  modifiedGmt: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return `v1;${cursor.modifiedGmt};${cursor.id}`;
}

/** Parse a cursor; `undefined` for anything this connector did not write. */
export function decodeCursor(value: string): Cursor | undefined {
  const match = /^v1;(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2});(.*)$/.exec(value);
  if (!match || !parseGmt(match[1])) return undefined;
  return { modifiedGmt: match[1]!, id: match[2]! };
}

/** A UTC date in WooCommerce's format (`YYYY-MM-DDTHH:MM:SS`, no suffix). */
export function formatGmt(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/** The later of two cursors (by time, then numeric id). */
export function laterCursor(a: Cursor | undefined, b: Cursor): Cursor {
  if (!a) return b;
  if (b.modifiedGmt !== a.modifiedGmt) return b.modifiedGmt > a.modifiedGmt ? b : a;
  return Number(b.id) > Number(a.id) ? b : a;
}

/**
 * The product listing's cursor: `<products cursor>|<variations cursor>`, either part empty
 * when nothing was read yet (variations: see variations.ts). A bare `v1;…` cursor, written
 * before variations were listed, is the products part alone.
 */
export function splitProductCursor(value: string | undefined): [string | undefined, string | undefined] {
  if (value === undefined) return [undefined, undefined];
  const [products, variations] = value.split('|');
  return [products || undefined, variations || undefined];
}

export function joinProductCursor(
  products: string | undefined,
  variations: string | undefined,
): string | undefined {
  return products === undefined && variations === undefined
    ? undefined
    : `${products ?? ''}|${variations ?? ''}`;
}
