/**
 * Query strings the ASP.NET way: parameter names case-insensitive, `ResourceParameters`
 * (`PageNumber`, `PageSize`, `Fields`, `OrderBy`, `UseDatabaseValidation`) bound as top-level
 * parameters, OData options refused, and bad values answered with "Unable to cast object(s)".
 */
import { parseTicks } from './clock.ts';
import { castError, Problem } from './problem.ts';
import { findProperty, type PropertySchema } from './schemas.ts';

export const DEFAULT_PAGE_SIZE = 5000;
export const MAX_PAGE_SIZE = 20_000;

export class Query {
  private readonly values = new Map<string, string>();

  constructor(raw: Record<string, unknown>) {
    for (const [key, value] of Object.entries(raw)) {
      const v = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
      this.values.set(key.toLowerCase(), v);
    }
  }

  get(name: string): string | undefined {
    const v = this.values.get(name.toLowerCase());
    return v === undefined || v.trim() === '' ? undefined : v;
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  bool(name: string): boolean | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (/^true$/i.test(v)) return true;
    if (/^false$/i.test(v)) return false;
    throw castError(`The value '${v}' is not valid for ${name}.`);
  }

  int(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v.trim())) throw castError(`The value '${v}' is not valid for ${name}.`);
    return Number(v);
  }

  /** A timestamp filter in ticks. */
  timestamp(name: string): bigint | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    const ticks = parseTicks(v);
    if (ticks === undefined) throw castError(`The value '${v}' is not valid for ${name}.`);
    return ticks;
  }

  /** A comma-separated list, trimmed, empty items dropped. */
  list(name: string): string[] | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  /** An enum value, case-insensitively. */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    const match = values.find((x) => x.toLowerCase() === v.trim().toLowerCase());
    if (!match) throw castError(`The value '${v}' is not valid for ${name}.`);
    return match;
  }
}

export interface ResourceParameters {
  pageNumber: number;
  pageSize: number;
  fields?: string[];
  orderBy: Array<{ field: string; desc: boolean }>;
}

/** Bind ResourceParameters against the DTO's properties. */
export function resourceParameters(q: Query, props: Record<string, PropertySchema>): ResourceParameters {
  for (const odata of ['$top', '$skip', '$filter', '$orderby', '$select']) {
    if (q.has(odata)) {
      throw new Problem(
        400,
        'Unable to cast object(s)',
        `The query option '${odata}' is not supported. Use the named filters and PageNumber/PageSize/Fields/OrderBy.`,
      );
    }
  }
  const pageNumber = q.int('PageNumber') ?? 1;
  const pageSize = q.int('PageSize') ?? DEFAULT_PAGE_SIZE;
  if (pageNumber < 1) throw castError('PageNumber must be 1 or greater.');
  if (pageSize < 1) throw castError('PageSize must be 1 or greater.');
  if (pageSize > MAX_PAGE_SIZE)
    throw castError(`PageSize can not be larger than MaxPageSize (${MAX_PAGE_SIZE}).`);

  let fields: string[] | undefined;
  const rawFields = q.list('Fields');
  if (rawFields) {
    fields = rawFields.map((f) => {
      const top = f.split('.')[0]!;
      const found = findProperty(props, top);
      if (!found || found[1].writeOnly)
        throw castError(`The field '${f}' does not exist on the requested type.`);
      return found[0];
    });
  }
  const orderBy: ResourceParameters['orderBy'] = [];
  for (const part of q.list('OrderBy') ?? []) {
    const [name, direction, ...rest] = part.split(/\s+/);
    const found = findProperty(props, name!);
    if (!found || rest.length > 0 || (direction && !/^(asc|desc)$/i.test(direction))) {
      throw castError(`The OrderBy clause '${part}' is not valid.`);
    }
    orderBy.push({ field: found[0], desc: /^desc$/i.test(direction ?? '') });
  }
  return { pageNumber, pageSize, ...(fields ? { fields } : {}), orderBy };
}

/** Sort (stable), page and trim rendered DTOs. */
export function pageOf(
  items: Record<string, unknown>[],
  params: ResourceParameters,
): Record<string, unknown>[] {
  const sorted =
    params.orderBy.length === 0 ? items : [...items].sort((a, b) => compareBy(a, b, params.orderBy));
  const start = (params.pageNumber - 1) * params.pageSize;
  const page = sorted.slice(start, start + params.pageSize);
  if (!params.fields) return page;
  const keep = new Set(params.fields);
  return page.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => keep.has(k))));
}

function compareBy(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  order: ResourceParameters['orderBy'],
): number {
  for (const { field, desc } of order) {
    const c = compareValues(a[field], b[field]);
    if (c !== 0) return desc ? -c : c;
  }
  return 0;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  // Sandbox timestamps are all `…fffffff+00:00`, so they order correctly as strings.
  return String(a).localeCompare(String(b), 'en', { sensitivity: 'base' });
}

/** `X-Pagination` as two third-party clients read it (the shape is not documented). */
export function paginationHeader(total: number, params: ResourceParameters, url: string): string {
  const totalPages = Math.max(1, Math.ceil(total / params.pageSize));
  const link = (page: number) => {
    const u = new URL(url, 'http://sandbox.invalid');
    u.searchParams.set('PageNumber', String(page));
    u.searchParams.set('PageSize', String(params.pageSize));
    return `${u.pathname}${u.search}`;
  };
  return JSON.stringify({
    totalCount: total,
    pageSize: params.pageSize,
    currentPage: params.pageNumber,
    totalPages,
    previousPageLink: params.pageNumber > 1 ? link(params.pageNumber - 1) : null,
    nextPageLink: params.pageNumber < totalPages ? link(params.pageNumber + 1) : null,
  });
}

/**
 * A number filter like "10000-11000, 12000, 13000-" (inclusive ranges, open ends allowed).
 */
export function numberFilter(spec: string[], name: string): (n: unknown) => boolean {
  const parts = spec.map((p) => {
    const m = /^(\d+)?\s*(-)?\s*(\d+)?$/.exec(p);
    if (!m || (!m[1] && !m[3])) throw castError(`${name} contains an invalid value '${p}'.`);
    const from = m[1] !== undefined ? Number(m[1]) : Number.NEGATIVE_INFINITY;
    const to = m[2] ? (m[3] !== undefined ? Number(m[3]) : Number.POSITIVE_INFINITY) : from;
    return [from, to] as const;
  });
  return (n) => typeof n === 'number' && parts.some(([from, to]) => n >= from && n <= to);
}
