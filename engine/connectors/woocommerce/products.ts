/**
 * The `product` entity: WooCommerce products and the variations of variable products
 * (variations.ts says why variations are products here and which routes they take). The
 * connector hands every product call to this module.
 */
import type { BatchItemResult, BatchUpdateItem, EntityRecord, PatchOperation, RecordId } from '../types.ts';
import type { Query, WooApi } from './api.ts';
import { updateMany } from './batch-update.ts';
import { joinProductCursor, splitProductCursor } from './cursor.ts';
import { type ListSettings, listByModified } from './listing.ts';
import { opsToPartial, type SchemaNode } from './patch.ts';
import { schemas } from './schemas.ts';
import { isVariation, isVariationRefusal, refuseNameWrite, VariationRoutes } from './variations.ts';

type Fetch = (route: string, query: Query, signal?: AbortSignal) => ReturnType<WooApi['request']>;

const schema = () => schemas.product as SchemaNode;

export class ProductRoutes {
  readonly variations: VariationRoutes;

  constructor(
    private readonly api: WooApi,
    private readonly maxBodyBytes: number,
  ) {
    this.variations = new VariationRoutes(api);
  }

  /** Products by modification time, then the variations; the cursor carries both parts. */
  async *list(
    fetch: Fetch,
    settings: ListSettings,
    since: string | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<{ records: EntityRecord[]; cursor?: string }> {
    const [productsSince, variationsSince] = splitProductCursor(since);
    let products = productsSince;
    for await (const page of listByModified(
      fetch,
      'products',
      { status: 'any' },
      settings,
      productsSince,
      signal,
    )) {
      for (const record of page.records) this.variations.remember(record);
      if (page.cursor) products = page.cursor;
      const cursor = joinProductCursor(products, variationsSince);
      yield { records: page.records, ...(cursor ? { cursor } : {}) };
    }
    for await (const page of this.variations.list(fetch, settings, variationsSince, signal)) {
      const cursor = page.cursor ? joinProductCursor(products, page.cursor) : undefined;
      if (page.records.length > 0 || cursor) yield { records: page.records, ...(cursor ? { cursor } : {}) };
    }
  }

  /** A product or a variation (`/products/<id>` reads both); `null` when missing. */
  async read(record: EntityRecord, signal?: AbortSignal): Promise<EntityRecord> {
    this.variations.remember(record);
    return isVariation(record) ? this.variations.complete(record, undefined, signal) : record;
  }

  /** Products by `include=` (which never lists variations), known variations per parent. */
  async getMany(
    products: EntityRecord[],
    ids: readonly RecordId[],
    signal?: AbortSignal,
  ): Promise<EntityRecord[]> {
    for (const record of products) this.variations.remember(record);
    const found = new Set(products.map((r) => String(r.id)));
    // Only ids known as variations (every listing learns them from the parents): an id
    // missing from `include=` is otherwise gone, and is left out without another request.
    const rest = ids.filter((id) => !found.has(id) && this.variations.knownParent(id) !== undefined);
    return rest.length === 0 ? products : [...products, ...(await this.variations.getMany(rest, signal))];
  }

  async update(id: RecordId, ops: PatchOperation[], signal?: AbortSignal): Promise<EntityRecord> {
    const send = async (route: string) =>
      (
        await this.api.request<EntityRecord>('PUT', route, {
          body: opsToPartial(ops, schema(), `/wp-json/wc/v3/${route}`),
          ...(signal ? { signal } : {}),
        })
      ).body;
    const known = this.variations.knownParent(id);
    if (known === undefined) {
      try {
        return await send(`products/${id}`);
      } catch (error) {
        if (!isVariationRefusal(error)) throw error;
      }
    }
    const parent = known ?? (await this.variations.parentOf(id, signal));
    const route = `products/${parent}/variations/${id}`;
    refuseNameWrite(id, ops, `/wp-json/wc/v3/${route}`);
    return this.variations.complete(await send(route), undefined, signal);
  }

  /**
   * `PUT /products/batch` for products, `PUT /products/<pid>/variations/batch` per parent
   * for variations; items of ids not known as variations that `/products/batch` refuses as
   * variations are sent again on their parent's route. Results in the input's order.
   */
  async updateMany(items: BatchUpdateItem[], signal?: AbortSignal): Promise<BatchItemResult[]> {
    const results: Array<BatchItemResult | undefined> = items.map(() => undefined);
    const plain = items.flatMap((item, i) => (this.variations.knownParent(item.id) === undefined ? [i] : []));
    const answers = await updateMany(
      this.api,
      'products/batch',
      schema(),
      plain.map((i) => items[i]!),
      this.maxBodyBytes,
      signal,
    );
    plain.forEach((i, k) => {
      const answer = answers[k]!;
      // Refused as a variation: left open, sent again on its parent's route below.
      if (!(answer.error && isVariationRefusal(answer.error))) results[i] = answer;
    });
    const byParent = new Map<RecordId, number[]>();
    for (const [i, item] of items.entries()) {
      if (results[i] !== undefined) continue;
      const parent = await this.variations.parentOf(item.id, signal);
      if (parent === undefined) {
        results[i] = { id: item.id, error: new Error(`product ${item.id} no longer exists`) };
        continue;
      }
      byParent.set(parent, [...(byParent.get(parent) ?? []), i]);
    }
    for (const [parent, indexes] of byParent) {
      const route = `products/${parent}/variations/batch`;
      const sendable: number[] = [];
      for (const i of indexes) {
        try {
          refuseNameWrite(items[i]!.id, items[i]!.ops, `/wp-json/wc/v3/${route}`);
          sendable.push(i);
        } catch (error) {
          results[i] = { id: items[i]!.id, error: error as Error };
        }
      }
      const done = await updateMany(
        this.api,
        route,
        schema(),
        sendable.map((i) => items[i]!),
        this.maxBodyBytes,
        signal,
      );
      for (const [k, i] of sendable.entries()) {
        const answer = done[k]!;
        results[i] = answer.record
          ? {
              id: answer.id ?? items[i]!.id,
              record: await this.variations.complete(answer.record, undefined, signal),
            }
          : answer;
      }
    }
    return results as BatchItemResult[];
  }

  /** Delete to the trash (`force=false`), a variation on its own route. */
  async remove(id: RecordId, signal?: AbortSignal): Promise<void> {
    const remove = (route: string) =>
      this.api.request('DELETE', route, { query: { force: false }, ...(signal ? { signal } : {}) });
    if (this.variations.knownParent(id) === undefined) {
      try {
        await remove(`products/${id}`);
        return;
      } catch (error) {
        if (!isVariationRefusal(error)) throw error;
      }
    }
    const parent = await this.variations.parentOf(id, signal);
    if (parent !== undefined) await remove(`products/${parent}/variations/${id}`);
  }

  /** `GET /products?sku=` finds products and variations alike. */
  async bySku(records: EntityRecord[], signal?: AbortSignal): Promise<EntityRecord[]> {
    return Promise.all(records.map((r) => this.read(r, signal)));
  }
}
