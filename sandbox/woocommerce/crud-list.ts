/**
 * Listing of post-like resources (orders, products) as `WC_REST_CRUD_Controller` does it:
 * `include`/`exclude`/`parent`/`parent_exclude`, creation (`after`/`before`) and
 * modification (`modified_after`/`modified_before`) filters compared strictly against the
 * site-local column, or the `_gmt` column with `dates_are_gmt=true`, then ordering (id
 * tie-breaker) and pagination.
 */
import {
  bool,
  date,
  first,
  intList,
  type Paging,
  ParamErrors,
  pageHeaders,
  paginate,
  paging,
  type Query,
  sortBy,
} from './collection.ts';
import { publicView, type Rec } from './state.ts';

export interface CrudListSpec {
  orderbys: readonly string[];
  /** Resource-specific filters; add problems to `errors`. */
  filter(query: Query, errors: ParamErrors): (record: Rec) => boolean;
  /** Sort keys beyond date/id/modified/include. */
  sortKey?(orderby: string): ((record: Rec) => string | number) | undefined;
  render(record: Rec): Rec;
}

export function crudList(
  records: Rec[],
  query: Query,
  url: URL,
  spec: CrudListSpec,
): { items: Rec[]; headers: Record<string, string> } {
  const errors = new ParamErrors();
  const p: Paging = paging(query, errors, spec.orderbys, { orderby: 'date', order: 'desc' });
  const include = intList(query, 'include', errors);
  const exclude = intList(query, 'exclude', errors);
  const parent = intList(query, 'parent', errors);
  const parentExclude = intList(query, 'parent_exclude', errors);
  const gmt = bool(query, 'dates_are_gmt', errors) ?? false;
  const after = date(query, 'after', errors);
  const before = date(query, 'before', errors);
  const modifiedAfter = date(query, 'modified_after', errors);
  const modifiedBefore = date(query, 'modified_before', errors);
  const specific = spec.filter(query, errors);
  errors.throwIfAny();
  const created = gmt ? 'date_created_gmt' : 'date_created';
  const modified = gmt ? 'date_modified_gmt' : 'date_modified';

  let items = records.filter((r) => {
    const id = r.id as number;
    if (include && !include.includes(id)) return false;
    if (exclude?.includes(id)) return false;
    if (parent && !parent.includes(r.parent_id as number)) return false;
    if (parentExclude?.includes(r.parent_id as number)) return false;
    if (after && !(String(r[created]) > after)) return false;
    if (before && !(String(r[created]) < before)) return false;
    if (modifiedAfter && !(String(r[modified]) > modifiedAfter)) return false;
    if (modifiedBefore && !(String(r[modified]) < modifiedBefore)) return false;
    return specific(r);
  });
  const key =
    spec.sortKey?.(p.orderby) ??
    (p.orderby === 'id'
      ? (r: Rec) => r.id as number
      : p.orderby === 'modified'
        ? (r: Rec) => String(r.date_modified_gmt)
        : p.orderby === 'include' && include
          ? (r: Rec) => include.indexOf(r.id as number)
          : (r: Rec) => String(r.date_created_gmt));
  items = sortBy(items, key, p.order);
  const result = paginate(items, p);
  const fields = first(query, '_fields');
  return {
    items: result.items.map((r) => spec.render(r)).map((r) => (fields ? pick(r, fields) : r)),
    headers: pageHeaders(result, p, url),
  };
}

/** `_fields=a,b.c`: keep only these top-level fields. */
export function pick(record: Rec, fields: string): Rec {
  const keep = new Set(fields.split(',').map((f) => f.trim().split('.')[0]!));
  const out: Rec = {};
  for (const [k, v] of Object.entries(publicView(record))) if (keep.has(k)) out[k] = v;
  return out;
}
