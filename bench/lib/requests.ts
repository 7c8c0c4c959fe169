/**
 * Counting what a run sent, exactly, from a sandbox's request log: list pages (GETs of a
 * collection with paging parameters), per-record GETs (a path ending in an id), other
 * reads (filtered look-ups), writes by method, token calls, 429s answered, and injected
 * faults. Admin calls (`/__admin`) are never logged by the sandboxes.
 */
import type { LoggedRequest } from '../../sandbox/common/request-log.ts';

export interface RequestCounts {
  total: number;
  listPages: number;
  recordGets: number;
  /** GETs that are neither a page nor a record: identity-guard and match look-ups. */
  lookups: number;
  /** Reads of a system's run settings (tax settings, rates, accounts, VAT codes): a few per run. */
  settings: number;
  writes: number;
  byMethod: Record<string, number>;
  token: number;
  /** 429 responses the client received (injected or from the enforced limit). */
  status429: number;
  /** Responses with a 5xx status. */
  status5xx: number;
  /** Faults the sandbox injected, by kind. */
  faults: Record<string, number>;
  /** Write requests per path pattern (ids replaced by `{id}`), e.g. `POST /v2/Customers`. */
  writePaths: Record<string, number>;
}

const PAGING = ['PageNumber', 'PageSize', 'per_page', 'page', 'offset'];
const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type RequestKind = 'token' | 'list' | 'get' | 'lookup' | 'settings' | 'write' | 'other';

/** What the connectors' run settings read (docs/tax-model.md): once per run, never per record. */
const SETTINGS_PATH = /\/wc\/v3\/(settings|taxes)(\/|$)|\/(GeneralLedgerAccounts|VatCodes|Currencies)$/i;

export function kindOf(r: LoggedRequest): RequestKind {
  if (/oauth\/token$/i.test(r.path)) return 'token';
  if (WRITES.has(r.method)) return 'write';
  if (r.method !== 'GET') return 'other';
  if (SETTINGS_PATH.test(r.path)) return 'settings';
  if (PAGING.some((p) => r.query[p] !== undefined)) return 'list';
  const last = r.path.split('/').filter(Boolean).pop() ?? '';
  if (ID_SEGMENT.test(last)) return 'get';
  return 'lookup';
}

export function pattern(r: LoggedRequest): string {
  const path = r.path
    .split('/')
    .map((s) => (ID_SEGMENT.test(s) ? '{id}' : s))
    .join('/');
  return `${r.method} ${path}`;
}

export function count(requests: readonly LoggedRequest[]): RequestCounts {
  const c: RequestCounts = {
    total: 0,
    listPages: 0,
    recordGets: 0,
    lookups: 0,
    settings: 0,
    writes: 0,
    byMethod: {},
    token: 0,
    status429: 0,
    status5xx: 0,
    faults: {},
    writePaths: {},
  };
  for (const r of requests) {
    c.total++;
    const kind = kindOf(r);
    if (kind === 'token') c.token++;
    else if (kind === 'list') c.listPages++;
    else if (kind === 'get') c.recordGets++;
    else if (kind === 'lookup') c.lookups++;
    else if (kind === 'settings') c.settings++;
    else if (kind === 'write') {
      c.writes++;
      c.byMethod[r.method] = (c.byMethod[r.method] ?? 0) + 1;
      const p = pattern(r);
      c.writePaths[p] = (c.writePaths[p] ?? 0) + 1;
    }
    if (r.status === 429) c.status429++;
    if (r.status >= 500) c.status5xx++;
    if (r.fault) c.faults[r.fault] = (c.faults[r.fault] ?? 0) + 1;
  }
  return c;
}

/** Writes only (the same rule as `count`). */
export function writesOf(requests: readonly LoggedRequest[]): LoggedRequest[] {
  return requests.filter((r) => kindOf(r) === 'write');
}

/** One line for logs: `812 requests: 24 pages, 0 GETs, 703 writes (POST 703), 1 token, 0 × 429`. */
export function describeCounts(c: RequestCounts): string {
  const methods = Object.entries(c.byMethod)
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  const faults = Object.entries(c.faults)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return (
    `${c.total} requests: ${c.listPages} list pages, ${c.recordGets} record GETs, ${c.lookups} look-ups, ${c.settings} settings reads, ` +
    `${c.writes} writes${methods ? ` (${methods})` : ''}, ${c.token} token, ${c.status429} × 429` +
    (faults ? `; faults injected: ${faults}` : '')
  );
}
