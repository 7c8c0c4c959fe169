/**
 * The shop's data, in memory: records as the API returns them (plus a few hidden fields
 * prefixed `_` that are never rendered), id sequences per type, webhooks and the delivery
 * log. Serialisable as one JSON document for `persistFile` and `/__admin/state`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export type Rec = Record<string, unknown>;

export interface WebhookRec {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'disabled';
  topic: string;
  resource: string;
  event: string;
  hooks: string[];
  delivery_url: string;
  secret: string;
  date_created: string;
  date_created_gmt: string;
  date_modified: string;
  date_modified_gmt: string;
  /** Hidden in the API (as in WooCommerce's v3 schema); shown by /__admin/state. */
  failure_count: number;
}

export interface DeliveryLogEntry {
  webhookId: number;
  topic: string;
  resourceId?: number;
  ping?: boolean;
  status: number | 'error';
  ok: boolean;
  at: string;
}

export interface ShopData {
  seq: Record<'customer' | 'order' | 'product' | 'webhook' | 'item' | 'meta', number>;
  customers: Rec[];
  orders: Rec[];
  products: Rec[];
  webhooks: WebhookRec[];
  deliveries: DeliveryLogEntry[];
}

export function emptyData(): ShopData {
  return {
    seq: { customer: 0, order: 0, product: 0, webhook: 0, item: 0, meta: 0 },
    customers: [],
    orders: [],
    products: [],
    webhooks: [],
    deliveries: [],
  };
}

export function loadData(file: string): ShopData | undefined {
  try {
    return { ...emptyData(), ...(JSON.parse(readFileSync(file, 'utf8')) as ShopData) };
  } catch {
    return undefined;
  }
}

export function saveData(file: string, data: ShopData): void {
  writeFileSync(file, JSON.stringify(data));
}

/** Deep copy of JSON data. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Remove hidden `_` fields before a record leaves the sandbox. */
export function publicView(record: Rec): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(record)) if (!k.startsWith('_')) out[k] = v;
  return out;
}
