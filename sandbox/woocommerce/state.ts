/**
 * The shop's data, in memory: records as WooCommerce stores them (amounts unrounded, as
 * `wc_format_decimal` keeps them; the API formats them on the way out), plus a few hidden
 * fields prefixed `_` that are never rendered; id sequences per type, webhooks, the
 * delivery log, options, tax classes and rates, coupons and refunds. Serialisable as one JSON document for `persistFile` and `/__admin/state`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { OPTION_DEFS, SANDBOX_OPTIONS } from './tax/options.ts';
import { norwegianTaxes, type TaxClassRec, type TaxRateRec } from './tax/rates.ts';

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
  seq: Record<
    'customer' | 'order' | 'product' | 'webhook' | 'item' | 'meta' | 'taxRate' | 'coupon' | 'refund' | 'note',
    number
  >;
  customers: Rec[];
  orders: Rec[];
  /** Products and variations (one id sequence, as WordPress posts); variations have `type: "variation"`. */
  products: Rec[];
  /** Refunds (`shop_order_refund`), `parent_id` = the order. */
  refunds: Rec[];
  coupons: Rec[];
  webhooks: WebhookRec[];
  deliveries: DeliveryLogEntry[];
  /** `get_option()` values the sandbox models (settings API, tax model). */
  options: Record<string, string>;
  taxRates: TaxRateRec[];
  /** Additional tax classes, in order ("Standard" is implicit). */
  taxClasses: TaxClassRec[];
}

export function emptyData(): ShopData {
  const taxes = norwegianTaxes();
  return {
    seq: {
      customer: 0,
      order: 0,
      product: 0,
      webhook: 0,
      item: 0,
      meta: 0,
      taxRate: taxes.rates.length,
      coupon: 0,
      refund: 0,
      note: 0,
    },
    customers: [],
    orders: [],
    products: [],
    refunds: [],
    coupons: [],
    webhooks: [],
    deliveries: [],
    options: defaultOptions(),
    taxRates: taxes.rates,
    taxClasses: taxes.classes,
  };
}

/** WooCommerce's defaults overlaid with the sandbox shop's values. */
export function defaultOptions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of OPTION_DEFS) out[def.id] = def.default;
  return { ...out, ...SANDBOX_OPTIONS };
}

export function loadData(file: string): ShopData | undefined {
  try {
    const loaded = JSON.parse(readFileSync(file, 'utf8')) as ShopData;
    const empty = emptyData();
    return { ...empty, ...loaded, seq: { ...empty.seq, ...loaded.seq } };
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
