/**
 * Variations of variable products as records of the `product` entity.
 *
 * WooCommerce stores them as posts of their own type (`product_variation`): `GET /products`
 * never lists them, `/products/<variation id>` reads one but refuses to write or delete it
 * (404 `woocommerce_rest_invalid_product_id`), while `GET /products?sku=` finds them and
 * their webhooks fire under the `product` resource. So to the engine a variation is a
 * product (its own SKU, price, stock and tax class), and this module hides the routes:
 *
 * - Listing: every variable parent (`GET /products?type=variable`, complete), then each
 *   parent's `GET /products/<pid>/variations`, since the variations' own cursor (their
 *   saves do not always move the parent's `date_modified`); a parent modified since then is
 *   listed whole, because a renamed parent renames its variations without moving theirs.
 * - Writes go to `/products/<pid>/variations/<id>` and `…/variations/batch`. The parent of
 *   a variation is known from the parents' `variations[]` and from every variation read;
 *   for an id never seen, a refusal with `woocommerce_rest_invalid_product_id` (nothing
 *   applied) is followed by one read of `/products/<id>` for its `parent_id`.
 * - Tolerant reading: responses of older WooCommerce versions lack `name`, `type` and
 *   `parent_id` on the variations route, and a `tax_class` of `parent` may be shown as
 *   stored; they are filled in from the route and the parent (name = parent's name and the
 *   attribute values, "Genser - Blå, L", as WooCommerce titles a variation).
 */
import { ConnectorError, isConnectorError } from '../errors.ts';
import type { EntityRecord, PatchOperation, RecordId } from '../types.ts';
import type { Query, WooApi } from './api.ts';
import { type Cursor, decodeCursor, encodeCursor, laterCursor } from './cursor.ts';
import { invalidCursor, SYSTEM } from './errors.ts';
import { type ListSettings, listByModified, listFullScan } from './listing.ts';

type Fetch = Parameters<typeof listFullScan>[0];

/** Whether a record read from a products route is a variation. */
export function isVariation(record: EntityRecord): boolean {
  return record.type === 'variation';
}

/** The refusal of `/products/<id>` for a variation (nothing was applied). */
export function isVariationRefusal(error: unknown): boolean {
  return isConnectorError(error) && error.vendorCode === 'woocommerce_rest_invalid_product_id';
}

export class VariationRoutes {
  /** Variation id → parent id (a variation never changes parent). */
  private readonly parents = new Map<RecordId, RecordId>();

  constructor(private readonly api: WooApi) {}

  /** Learn the parent of every variation a record shows (a variable parent, a variation). */
  remember(record: EntityRecord): void {
    if (record.type === 'variable' && Array.isArray(record.variations)) {
      for (const id of record.variations) this.parents.set(String(id), String(record.id));
    }
    if (isVariation(record) && record.parent_id !== undefined && Number(record.parent_id) > 0) {
      this.parents.set(String(record.id), String(record.parent_id));
    }
  }

  /** The parent of a known variation; `undefined` for an id not known to be one. */
  knownParent(id: RecordId): RecordId | undefined {
    return this.parents.get(id);
  }

  /** The parent of a variation, read once when unknown; `undefined` when it is no variation. */
  async parentOf(id: RecordId, signal?: AbortSignal): Promise<RecordId | undefined> {
    const known = this.parents.get(id);
    if (known !== undefined) return known;
    try {
      const { body } = await this.api.request<EntityRecord>(
        'GET',
        `products/${id}`,
        signal ? { signal } : {},
      );
      this.remember(body);
    } catch (error) {
      if (!isConnectorError(error, 'not-found')) throw error;
    }
    return this.parents.get(id);
  }

  /** A variation as the engine sees it: `parent_id`, `type`, `name` and `tax_class` filled in. */
  async complete(record: EntityRecord, parent?: EntityRecord, signal?: AbortSignal): Promise<EntityRecord> {
    const parentId = record.parent_id ?? parent?.id ?? this.parents.get(String(record.id));
    const out: EntityRecord = { ...record, type: 'variation', parent_id: Number(parentId) };
    this.remember(out);
    const needsParent = typeof out.name !== 'string' || out.name === '' || out.tax_class === 'parent';
    if (!needsParent) return out;
    const source =
      parent ??
      (await this.api.request<EntityRecord>('GET', `products/${out.parent_id}`, signal ? { signal } : {}))
        .body;
    if (typeof out.name !== 'string' || out.name === '') out.name = titleOf(source, out);
    if (out.tax_class === 'parent') out.tax_class = source.tax_class ?? '';
    return out;
  }

  /**
   * The variations of every variable product, changed since `since` (a cursor of this
   * module; complete without one). Pages carry no cursor except the last, which covers
   * every variation read: a cursor between parents would skip the changes of the parents
   * not read yet.
   */
  async *list(
    fetch: Fetch,
    settings: ListSettings,
    since: string | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<{ records: EntityRecord[]; cursor?: string }> {
    let newest: Cursor | undefined;
    let threshold: string | undefined;
    if (since !== undefined) {
      newest = decodeCursor(since);
      if (!newest) throw invalidCursor('products/<id>/variations');
      const at = new Date(`${newest.modifiedGmt}Z`).getTime() - settings.overlapMs;
      threshold = new Date(at).toISOString().slice(0, 19);
    }
    const parents: Query = { type: 'variable', status: 'any' };
    for await (const page of listFullScan(fetch, 'products', parents, settings, signal)) {
      for (const parent of page.records) {
        this.remember(parent);
        // A parent saved since the cursor may have been renamed: list all its variations.
        const changed = threshold === undefined || String(parent.date_modified_gmt ?? '') > threshold;
        const route = `products/${String(parent.id)}/variations`;
        for await (const part of listByModified(
          fetch,
          route,
          { status: 'any' },
          settings,
          changed ? undefined : since,
          signal,
        )) {
          const seen = part.cursor ? decodeCursor(part.cursor) : undefined;
          if (seen) newest = laterCursor(newest, seen);
          if (part.records.length === 0) continue;
          const records = await Promise.all(part.records.map((v) => this.complete(v, parent, signal)));
          yield { records };
        }
      }
    }
    yield { records: [], ...(newest ? { cursor: encodeCursor(newest) } : {}) };
  }

  /** Several variations by id (grouped per parent: `include=`); unknown parents are read first. */
  async getMany(ids: readonly RecordId[], signal?: AbortSignal): Promise<EntityRecord[]> {
    const byParent = new Map<RecordId, RecordId[]>();
    for (const id of ids) {
      const parent = await this.parentOf(id, signal);
      if (parent !== undefined) byParent.set(parent, [...(byParent.get(parent) ?? []), id]);
    }
    const out: EntityRecord[] = [];
    for (const [parent, chunk] of byParent) {
      const { body } = await this.api.request<unknown>('GET', `products/${parent}/variations`, {
        query: { include: chunk.join(','), per_page: chunk.length, status: 'any' },
        ...(signal ? { signal } : {}),
      });
      for (const record of Array.isArray(body) ? (body as EntityRecord[]) : []) {
        if (record.status !== 'trash') out.push(await this.complete(record, undefined, signal));
      }
    }
    return out;
  }
}

/**
 * A variation's title is its parent's name and its attribute values: PowerOffice Go edits
 * of it cannot be written (WooCommerce ignores `name` on the variations route), so such a
 * write is refused visibly instead of being dropped in silence.
 */
export function refuseNameWrite(id: RecordId, ops: readonly PatchOperation[], path: string): void {
  if (ops.some((op) => op.path === '/name')) {
    throw new ConnectorError(
      `${SYSTEM}: PUT ${path}: product ${id} is a variation, whose name is its parent's name and its attribute values; rename the parent product in the shop instead`,
      { system: SYSTEM, kind: 'validation', method: 'PUT', path },
    );
  }
}

function titleOf(parent: EntityRecord, variation: EntityRecord): string {
  const values = (Array.isArray(variation.attributes) ? (variation.attributes as EntityRecord[]) : [])
    .map((a) => String(a.option ?? ''))
    .filter((o) => o !== '');
  return `${String(parent.name ?? '')}${values.length > 0 ? ` - ${values.join(', ')}` : ''}`;
}
