/**
 * Collection parameters and pagination shared by the list routes, validated like
 * WordPress route args: `page` ≥ 1, `per_page` 1–100 (default 10), `offset` (wins over
 * `page`), `order`/`orderby` enums with per-route defaults. Out-of-range pages give `[]`
 * with the totals still set; `Link` carries `prev`/`next` only (as the CRUD code does).
 */
import { filterDate } from './dates.ts';
import { invalidParams } from './wp-error.ts';

export type Query = Record<string, string | string[] | undefined>;

export interface Paging {
  page: number;
  perPage: number;
  offset?: number;
  order: 'asc' | 'desc';
  orderby: string;
}

export class ParamErrors {
  readonly params: Record<string, string> = {};
  add(name: string, message: string): void {
    this.params[name] ??= message;
  }
  throwIfAny(): void {
    if (Object.keys(this.params).length > 0) throw invalidParams(this.params);
  }
}

export function first(query: Query, name: string): string | undefined {
  const v = query[name] ?? query[`${name}[]`];
  return Array.isArray(v) ? v[0] : v;
}

/** A comma list or a repeated `name[]` parameter. */
export function list(query: Query, name: string): string[] | undefined {
  const v = query[name] ?? query[`${name}[]`];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function int(query: Query, name: string, errors: ParamErrors): number | undefined {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw.trim())) {
    errors.add(name, `${name} is not of type integer.`);
    return undefined;
  }
  return Number(raw);
}

export function intList(query: Query, name: string, errors: ParamErrors): number[] | undefined {
  const values = list(query, name);
  if (values === undefined) return undefined;
  if (values.some((v) => !/^\d+$/.test(v))) {
    errors.add(name, `${name}[0] is not of type integer.`);
    return undefined;
  }
  return values.map(Number);
}

export function bool(query: Query, name: string, errors: ParamErrors): boolean | undefined {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return undefined;
  if (['true', '1'].includes(raw)) return true;
  if (['false', '0'].includes(raw)) return false;
  errors.add(name, `${name} is not of type boolean.`);
  return undefined;
}

export function oneOf<T extends string>(
  query: Query,
  name: string,
  allowed: readonly T[],
  fallback: T,
  errors: ParamErrors,
): T {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) {
    errors.add(name, `${name} is not one of ${allowed.join(', ')}.`);
    return fallback;
  }
  return raw as T;
}

/** A date filter arg, as the naive string compared with the column. */
export function date(query: Query, name: string, errors: ParamErrors): string | undefined {
  const raw = first(query, name);
  if (raw === undefined || raw === '') return undefined;
  const value = filterDate(raw);
  if (value === undefined) errors.add(name, 'Invalid date.');
  return value;
}

export function paging(
  query: Query,
  errors: ParamErrors,
  orderbys: readonly string[],
  defaults: { orderby: string; order: 'asc' | 'desc' },
): Paging {
  const page = int(query, 'page', errors) ?? 1;
  if (page < 1) errors.add('page', 'page must be greater than or equal to 1');
  const perPage = int(query, 'per_page', errors) ?? 10;
  if (perPage < 1 || perPage > 100)
    errors.add('per_page', 'per_page must be between 1 (inclusive) and 100 (inclusive)');
  const offset = int(query, 'offset', errors);
  const order = oneOf(query, 'order', ['asc', 'desc'] as const, defaults.order, errors);
  const orderby = oneOf(query, 'orderby', orderbys, defaults.orderby, errors);
  return { page, perPage, ...(offset !== undefined ? { offset } : {}), order, orderby };
}

export interface PageResult<T> {
  items: T[];
  total: number;
  totalPages: number;
}

export function paginate<T>(items: T[], p: Paging): PageResult<T> {
  const start = p.offset !== undefined ? p.offset : (p.page - 1) * p.perPage;
  const total = items.length;
  return { items: items.slice(start, start + p.perPage), total, totalPages: Math.ceil(total / p.perPage) };
}

/** `X-WP-Total`, `X-WP-TotalPages` and `Link` (prev/next keep every other param). */
export function pageHeaders(result: PageResult<unknown>, p: Paging, requestUrl: URL): Record<string, string> {
  const headers: Record<string, string> = {
    'X-WP-Total': String(result.total),
    'X-WP-TotalPages': String(result.totalPages),
  };
  const links: string[] = [];
  const at = (page: number) => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(page));
    for (const k of [...url.searchParams.keys()]) {
      if (/^(oauth_|consumer_key|consumer_secret)/.test(k)) url.searchParams.delete(k);
    }
    return url.toString();
  };
  if (p.page > 1) links.push(`<${at(Math.min(p.page - 1, Math.max(1, result.totalPages)))}>; rel="prev"`);
  if (p.page < result.totalPages) links.push(`<${at(p.page + 1)}>; rel="next"`);
  if (links.length > 0) headers.Link = links.join(', ');
  return headers;
}

/** Compare with an id tie-breaker in the same direction (as WP_Query does for dates). */
export function sortBy<T extends Record<string, unknown>>(
  items: T[],
  key: (item: T) => string | number,
  order: 'asc' | 'desc',
): T[] {
  const dir = order === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka < kb) return -dir;
    if (ka > kb) return dir;
    return ((a.id as number) - (b.id as number)) * dir;
  });
}
