/**
 * Listing pages of PowerOffice Go records.
 *
 * - `PageNumber` (1-based) and `PageSize`; the end is a 204, an empty array, a page
 *   shorter than PageSize, or an `X-Pagination` header whose `nextPageLink` is null (the
 *   header is undocumented, so it is only ever a reason to stop early, never required).
 * - Incremental: `lastChangedDateTimeOffsetGreaterThan=<newest − overlap>` (strictly
 *   greater, 7 fractional digits). Reads come from a replica that can lag, so a change may
 *   become visible after a later one; the overlap (default 5 s) lists it anyway, and the
 *   cursor's window (cursor.ts) skips what was already delivered: a record is returned
 *   again only when its change timestamp differs from the one it was delivered with.
 * - Ordered by `LastChangedDateTimeOffset` so that every page's cursor (the newest
 *   timestamp seen so far) is safe to persist: later pages only hold later changes. The
 *   order is checked, not trusted: if the service returns records out of order, the cursor
 *   only advances on the last page.
 * - Caveat: offset paging over a changing set. A record changed while pages are being read
 *   moves to the end of the order; the records after its old position shift one place
 *   forward, so one of them can slip into a page already read. It is picked up again only
 *   when it changes next (or by a full listing). The service offers no keyset paging; the
 *   connector logs when it sees a record twice in one listing (the symptom).
 * - Customers in `scan` mode: every customer is listed and those whose own or whose
 *   MailAddress timestamp is past the cursor are returned, because an address-only change
 *   may not move the customer's LastChangedDateTimeOffset.
 */
import type { Logger } from 'pino';
import { ConnectorError } from '../errors.ts';
import type { EntityRecord, Page } from '../types.ts';
import type { PowerOfficeApi } from './api.ts';
import { type Cursor, CursorWindow } from './cursor.ts';
import { SYSTEM } from './errors.ts';
import { compareTimestamps, laterOf } from './timestamps.ts';

export interface ListingPlan {
  /** Relative path (`Customers`, `SalesOrders/{id}/Lines`). */
  path: string;
  pageSize: number;
  /** Whether records carry LastChangedDateTimeOffset (false for lines). */
  timestamped: boolean;
  /** The caller's cursor, decoded. */
  since?: Cursor;
  /** The value sent as lastChangedDateTimeOffsetGreaterThan (cursor minus overlap). */
  querySince?: string;
  /** The overlap, in ms (what the cursor's window covers). */
  overlapMs: number;
  /** Customers: list everything and filter by own + address timestamps. */
  scanAddresses?: boolean;
  fields?: readonly string[];
  signal?: AbortSignal;
}

/** A listing page longer than this (bytes of JSON) halves the page size (see listPages). */
export const PAGE_BYTES = 4 * 1024 * 1024;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The timestamp a record's change is judged by. */
export function changeStamp(record: EntityRecord, withAddress: boolean): string | undefined {
  const own = str(record.LastChangedDateTimeOffset);
  if (!withAddress) return own;
  const address = record.MailAddress as Record<string, unknown> | null | undefined;
  return laterOf(own, str(address?.LastChangedDateTimeOffset));
}

function paginationSaysLast(headers: Record<string, string | string[] | undefined>): boolean {
  const raw = headers['x-pagination'];
  if (typeof raw !== 'string') return false;
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const entry = Object.entries(parsed).find(([k]) => k.toLowerCase() === 'nextpagelink');
    return entry !== undefined && entry[1] === null;
  } catch {
    return false;
  }
}

export async function* listPages(
  api: PowerOfficeApi,
  plan: ListingPlan,
  logger: Logger,
): AsyncGenerator<Page> {
  const scan = plan.scanAddresses === true;
  const search: Record<string, string | number> = { PageSize: plan.pageSize };
  if (plan.timestamped) search.OrderBy = 'LastChangedDateTimeOffset';
  if (plan.timestamped && plan.querySince !== undefined && !scan) {
    search.lastChangedDateTimeOffsetGreaterThan = plan.querySince;
  }
  if (plan.fields && plan.fields.length > 0) {
    const wanted = new Set([
      'Id',
      ...(plan.timestamped ? ['LastChangedDateTimeOffset'] : []),
      ...(scan ? ['MailAddress'] : []),
    ]);
    for (const f of plan.fields) wanted.add(f.split('.')[0]!);
    search.Fields = [...wanted].join(',');
  }

  const window = new CursorWindow(plan.since, BigInt(Math.round(plan.overlapMs)) * 10_000n);
  const initial = plan.since ? window.cursor() : undefined;
  let cursor = initial;
  let ordered = true;
  let previous: string | undefined;
  let emitted = false;
  const seen = new Set<string>();
  const querySince = plan.querySince;
  // Pages are bounded in bytes too: records with huge values (a shop's 400 kB names, every
  // customer listed on every scan) made one page tens of MB, read in one go on the event loop,
  // a stretch of seconds in which the service answered nothing (`npm run fuzz`). A body over
  // 1 MiB is parsed off the thread now (http/json-body.ts), but its records still come back
  // to it, and the engine holds the page. After a page over PAGE_BYTES the page size is
  // halved (to a size that divides the offset reached, so page numbers stay exact).
  let pageSize = plan.pageSize;
  let offset = 0;
  for (;;) {
    const response = await api.call('GET', plan.path, {
      searchParams: { ...search, PageSize: pageSize, PageNumber: offset / pageSize + 1 },
      ...(plan.signal ? { signal: plan.signal } : {}),
    });
    if (response.body !== undefined && !Array.isArray(response.body)) {
      throw new ConnectorError(`${SYSTEM}: GET ${api.pathOf(plan.path)} did not return a list`, {
        system: SYSTEM,
        kind: 'transport',
        method: 'GET',
        path: api.pathOf(plan.path),
      });
    }
    const records = (response.body ?? []) as EntityRecord[];
    const out: EntityRecord[] = [];
    for (const record of records) {
      const own = str(record.LastChangedDateTimeOffset);
      if (own !== undefined && previous !== undefined && compareTimestamps(own, previous) < 0)
        ordered = false;
      previous = own ?? previous;
      const id = String(record.Id);
      const stamp = changeStamp(record, scan);
      const key = `${id}@${stamp ?? ''}`;
      if (seen.has(key)) {
        logger.debug({ system: SYSTEM, path: plan.path }, 'record seen twice in one listing');
        continue;
      }
      seen.add(key);
      if (!plan.timestamped) {
        out.push(record);
        continue;
      }
      // A scan lists everything: only what changed after the overlap's start counts.
      const recent =
        !scan ||
        querySince === undefined ||
        (stamp !== undefined && compareTimestamps(stamp, querySince) > 0);
      if (!recent) continue;
      if (!window.delivered(id, stamp)) out.push(record);
      window.add(id, stamp);
    }
    const last = records.length < pageSize || paginationSaysLast(response.headers);
    offset += pageSize;
    if (response.size > PAGE_BYTES && pageSize > 1) {
      // The largest size up to half that divides the offset, so page numbers stay exact.
      let next = Math.floor(pageSize / 2);
      while (offset % next !== 0) next--;
      pageSize = next;
    }
    if (plan.timestamped && (last || (ordered && !scan))) cursor = window.cursor() ?? cursor;
    if (records.length === 0 && emitted && !plan.timestamped) break;
    yield { records: out, ...(plan.timestamped && cursor !== undefined ? { cursor } : {}) };
    emitted = true;
    if (last) break;
  }
}
