/**
 * Puts the hostile records into the shop through its REST API (real HTTP, as a shop admin or
 * a plugin would), then edits some and deletes products under orders. What the shop refuses
 * (400 for a taken e-mail or SKU, 413 for a body over its limit) is counted, not a failure:
 * a real shop refuses it too. A 5xx or a dropped connection from the shop is a violation (the
 * sandbox must answer like WooCommerce, never fall over).
 */
import {
  customerArb,
  draw,
  editArb,
  type OrderPlan,
  orderArb,
  orderBody,
  productArb,
  type Sizes,
} from './hostile.ts';
import { type Sandboxes, wooFetch } from './processes.ts';

export interface Shop {
  customers: number[];
  products: number[];
  orders: Array<{ id: number; status: string }>;
  deletedProducts: number[];
  edits: number;
  /** Personal values sent to the shop (the log check looks for their tags). */
  personalTags: string[];
  refused: Record<string, number>;
  violations: string[];
}

export function emptyShop(): Shop {
  return {
    customers: [],
    products: [],
    orders: [],
    deletedProducts: [],
    edits: 0,
    personalTags: [],
    refused: {},
    violations: [],
  };
}

/** The unique tag inside a personal value (see hostile.ts), if it has one. */
const TAG = /(?:fn|ln|ad|ci|ph|em|gn|ed)[0-9a-z]+Q[0-9a-z]+/gi;
function tagsOf(values: string[]): string[] {
  return values.flatMap((v) => v.match(TAG) ?? []);
}

async function send(
  shop: Shop,
  sandboxes: Sandboxes,
  method: string,
  path: string,
  body: unknown,
): Promise<Record<string, unknown> | undefined> {
  let res: Response;
  try {
    res = await wooFetch(sandboxes, method, path, body);
  } catch (error) {
    shop.violations.push(
      `shop ${method} ${path}: no answer (${error instanceof Error ? error.message : error})`,
    );
    return undefined;
  }
  const text = await res.text();
  if (res.status >= 500) {
    shop.violations.push(`shop ${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return undefined;
  }
  if (res.status >= 400) {
    let code = '';
    try {
      code = String((JSON.parse(text) as { code?: string }).code ?? '');
    } catch {
      code = 'non-JSON';
    }
    const key = `${method} ${path.split('/')[1]} ${res.status} ${code}`;
    shop.refused[key] = (shop.refused[key] ?? 0) + 1;
    return undefined;
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** Run `tasks` with at most `n` at once. */
async function limited<T>(
  items: T[],
  n: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}

export interface Batch {
  customers: number;
  products: number;
  orders: number;
  edits: number;
  /** First index of this batch's records (tags stay unique across batches). */
  offset: number;
}

export async function fillBatch(
  shop: Shop,
  sandboxes: Sandboxes,
  seed: number,
  batch: Batch,
  sizes: Sizes,
): Promise<void> {
  const at = batch.offset;
  const customerPlans = Array.from({ length: batch.customers }, (_, i) =>
    draw(customerArb(at + i, sizes), seed + at + i),
  );
  await limited(customerPlans, 3, async (plan) => {
    shop.personalTags.push(...tagsOf(plan.personal));
    const created = await send(shop, sandboxes, 'POST', '/customers', plan.body);
    if (created) shop.customers.push(created.id as number);
  });
  const productPlans = Array.from({ length: batch.products }, (_, i) =>
    draw(productArb(at + i, sizes), seed * 3 + at + i),
  );
  // Products one at a time: the SKU collisions need the earlier products to exist.
  for (const plan of productPlans) {
    const created = await send(shop, sandboxes, 'POST', '/products', plan.raw ?? plan.body);
    if (created) shop.products.push(created.id as number);
  }
  if (shop.products.length === 0 || batch.orders === 0) return;
  const orderPlans: OrderPlan[] = Array.from({ length: batch.orders }, (_, i) =>
    draw(
      orderArb(at + i, Math.max(1, shop.customers.length), shop.products.length, sizes),
      seed * 7 + at + i,
    ),
  );
  await limited(orderPlans, 3, async (plan) => {
    shop.personalTags.push(...tagsOf(plan.personal));
    const body = orderBody(plan, shop.customers, shop.products);
    const created = await send(shop, sandboxes, 'POST', '/orders', body);
    if (!created) return;
    shop.orders.push({ id: created.id as number, status: String(created.status) });
    if (plan.deleteProduct !== undefined) {
      const lines = (body.line_items as Array<{ product_id: number }>) ?? [];
      const productId = lines[plan.deleteProduct]?.product_id;
      if (productId !== undefined && !shop.deletedProducts.includes(productId)) {
        const gone = await send(shop, sandboxes, 'DELETE', `/products/${productId}?force=true`, undefined);
        if (gone) shop.deletedProducts.push(productId);
      }
    }
  });
  // Edits of existing records with hostile values: the update paths and their webhooks.
  for (let k = 0; k < batch.edits; k++) {
    const edit = draw(editArb(sizes, at + k), seed * 11 + at + k);
    const customers = edit.field === 'first_name';
    const list = customers ? shop.customers : shop.products.filter((p) => !shop.deletedProducts.includes(p));
    if (list.length === 0) continue;
    const id = list[(seed + k * 13) % list.length]!;
    if (customers) shop.personalTags.push(...tagsOf([String(edit.value)]));
    const done = await send(shop, sandboxes, 'PUT', `/${customers ? 'customers' : 'products'}/${id}`, {
      [edit.field]: edit.value,
    });
    if (done) shop.edits++;
  }
}
