/**
 * Listing strategies.
 *
 * Customers (full scan): `role=all` (the default lists only the `customer` role),
 * `orderby=id&order=asc` so that new customers append at the end, paged with `offset`. If
 * `X-WP-Total` drops between pages (customers deleted meanwhile), the offset steps back by
 * the drop so that no survivor is skipped; the engine tolerates the repeats.
 *
 * Orders and products (cursor): `status=any`, `orderby=modified&order=asc` (WooCommerce
 * breaks ties by id), `dates_are_gmt=true`. Pages are keyset-paginated on the modification
 * time: each next request asks for records modified after (last time − 1 s) and skips the
 * records of that last second already read (`exclude`, or `offset` for huge groups). A
 * record edited while the listing runs moves to the end instead of shifting an unseen
 * record onto an already-read page. Every page carries the cursor of everything read so far.
 */
import type { Page } from '../types.ts';
import { type ApiResponse, type Query, WooApi } from './api.ts';
import { type Cursor, decodeCursor, encodeCursor, formatGmt, laterCursor } from './cursor.ts';
import { parseGmt } from './entities.ts';
import { invalidCursor } from './errors.ts';

/**
 * Up to this many ids of the newest second are skipped with `exclude` (immune to records
 * leaving that second while the listing runs); beyond it (bulk imports) with `offset`.
 */
const MAX_EXCLUDE = 200;

type Fetch = (route: string, query: Query, signal?: AbortSignal) => Promise<ApiResponse<unknown>>;

export interface ListSettings {
  pageSize: number;
  overlapMs: number;
}

export async function* listFullScan(
  fetch: Fetch,
  route: string,
  baseQuery: Query,
  settings: ListSettings,
  signal?: AbortSignal,
): AsyncGenerator<Page> {
  let offset = 0;
  let lastTotal: number | undefined;
  for (;;) {
    const response = await fetch(
      route,
      { ...baseQuery, orderby: 'id', order: 'asc', per_page: settings.pageSize, offset },
      signal,
    );
    const records = asRecords(response.body);
    const { total } = WooApi.totals(response.headers);
    if (lastTotal !== undefined && total !== undefined && total < lastTotal && offset > 0) {
      // Records before the offset were deleted since the last page: step back and ask again.
      offset = Math.max(0, offset - (lastTotal - total));
      lastTotal = total;
      continue;
    }
    lastTotal = total;
    if (records.length > 0) yield { records };
    offset += records.length;
    if (records.length < settings.pageSize || (total !== undefined && offset >= total)) return;
  }
}

export async function* listByModified(
  fetch: Fetch,
  route: string,
  baseQuery: Query,
  settings: ListSettings,
  since: string | undefined,
  signal?: AbortSignal,
): AsyncGenerator<Page> {
  let cursor: Cursor | undefined;
  let after: string | undefined;
  if (since !== undefined) {
    cursor = decodeCursor(since);
    if (!cursor) throw invalidCursor(route);
    after = formatGmt(new Date(parseGmt(cursor.modifiedGmt)!.getTime() - settings.overlapMs));
  }
  let offset = 0;
  /** Ids already read from the newest second, skipped with `exclude` while they are few. */
  let seenInSecond: string[] = [];
  let emitted = false;
  for (;;) {
    const excluding = seenInSecond.length > 0 && seenInSecond.length <= MAX_EXCLUDE;
    const query: Query = {
      ...baseQuery,
      orderby: 'modified',
      order: 'asc',
      per_page: settings.pageSize,
      dates_are_gmt: true,
      ...(after !== undefined ? { modified_after: after } : {}),
      ...(excluding ? { exclude: seenInSecond.join(',') } : {}),
      ...(!excluding && offset > 0 ? { offset } : {}),
    };
    const response = await fetch(route, query, signal);
    const records = asRecords(response.body);
    const { total } = WooApi.totals(response.headers);
    for (const record of records) {
      const modified = record.date_modified_gmt;
      if (typeof modified === 'string' && parseGmt(modified)) {
        cursor = laterCursor(cursor, { modifiedGmt: modified, id: String(record.id) });
      }
    }
    const skipped = excluding ? 0 : offset;
    const done =
      records.length < settings.pageSize || (total !== undefined && skipped + records.length >= total);
    if (records.length > 0 || (!emitted && done && cursor)) {
      emitted = true;
      yield { records, ...(cursor ? { cursor: encodeCursor(cursor) } : {}) };
    }
    if (done) return;
    // Keyset step: restart just before the newest second read, skipping what was read of it.
    const lastModified = records[records.length - 1]!.date_modified_gmt;
    const lastDate = typeof lastModified === 'string' ? parseGmt(lastModified) : undefined;
    if (!lastDate) {
      offset += records.length;
      continue;
    }
    const previousAfter = after;
    after = formatGmt(new Date(lastDate.getTime() - 1000));
    const inSecond = records.filter((r) => r.date_modified_gmt === lastModified).map((r) => String(r.id));
    if (after === previousAfter) {
      seenInSecond = [...seenInSecond, ...inSecond];
      offset += inSecond.length;
    } else {
      seenInSecond = inSecond;
      offset = inSecond.length;
    }
  }
}

function asRecords(body: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(body)) return [];
  return body.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
}
