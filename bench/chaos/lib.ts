/**
 * What every chaos run checks afterwards, from both sandboxes' admin state (records as the
 * APIs render them) and the link store:
 * - duplicates: two PowerOffice customers or orders with one ExternalImportReference, two
 *   lines of one order with one ExternalImportReference, two products with one Code (or
 *   two WooCommerce products with one SKU);
 * - missing: a shop record that should be in PowerOffice (customer, product, order, line)
 *   and is not, or is not linked;
 * - pending: create intents or failed records left in the store;
 * - the final state, normalised (no ids, numbers or timestamps the systems assign; links as
 *   pairs of natural keys), equal to the one a clean run of the same seed reaches.
 */
import { isDeepStrictEqual } from 'node:util';
import { type LinkRecord, MappingState, type StateBackend } from '../../engine/store/sync-state.ts';
import type { BenchEnv } from '../lib/env.ts';
import type { FigureInput } from '../lib/report.ts';

type Rec = Record<string, unknown>;

export const MAPPINGS = ['customer-person', 'product', 'salesorder', 'salesorderline'] as const;

export interface Both {
  woo: { customers: Rec[]; products: Rec[]; orders: Rec[] };
  po: { customers: Rec[]; products: Rec[]; salesorders: Rec[] };
}

export async function stateOf(env: BenchEnv): Promise<Both> {
  const [woo, po] = await Promise.all([
    fetch(`${env.woo.url}/__admin/state`).then((r) => r.json() as Promise<Both['woo']>),
    fetch(`${env.po.adminUrl}/state`).then((r) => r.json() as Promise<Both['po']>),
  ]);
  return { woo, po };
}

export async function linksOf(store: StateBackend, mapping: string): Promise<LinkRecord[]> {
  const out: LinkRecord[] = [];
  for await (const link of new MappingState(mapping, store).allLinks()) out.push(link);
  return out;
}

function dupes(records: Rec[], key: (r: Rec) => unknown): string[] {
  const seen = new Map<string, number>();
  for (const r of records) {
    const k = key(r);
    if (k === undefined || k === null || k === '') continue;
    seen.set(String(k).trim().toLowerCase(), (seen.get(String(k).trim().toLowerCase()) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

export function duplicatesIn(state: Both): string[] {
  const out: string[] = [];
  const add = (what: string, list: string[]) => {
    for (const d of list) out.push(`${what} ${d}`);
  };
  add(
    'PowerOffice customer ExternalImportReference',
    dupes(state.po.customers, (c) => c.ExternalImportReference),
  );
  add(
    'PowerOffice product Code',
    dupes(state.po.products, (p) => p.Code),
  );
  add(
    'PowerOffice order ExternalImportReference',
    dupes(state.po.salesorders, (o) => o.ExternalImportReference),
  );
  for (const o of state.po.salesorders) {
    add(
      `line of order ${o.ExternalImportReference} ExternalImportReference`,
      dupes((o.SalesOrderLines as Rec[]) ?? [], (l) => l.ExternalImportReference),
    );
  }
  add(
    'WooCommerce product SKU',
    dupes(state.woo.products, (p) => p.sku),
  );
  return out;
}

const takesPart = (o: Rec) => ['processing', 'completed'].includes(String(o.status));
const linesOf = (o: Rec) =>
  ((o.line_items as Rec[]) ?? []).length +
  ((o.shipping_lines as Rec[]) ?? []).length +
  ((o.fee_lines as Rec[]) ?? []).length;

/** Shop records missing in PowerOffice or in the link store; intents and failures left. */
export async function missingIn(
  state: Both,
  store: StateBackend,
): Promise<{ missing: string[]; pending: string[] }> {
  const missing: string[] = [];
  const pending: string[] = [];
  const poCustomerRefs = new Set(state.po.customers.map((c) => String(c.ExternalImportReference ?? '')));
  const poCodes = new Set(state.po.products.map((p) => String(p.Code ?? '').toLowerCase()));
  const poOrders = new Map(state.po.salesorders.map((o) => [String(o.ExternalImportReference), o]));
  const customerLinks = new Set((await linksOf(store, 'customer-person')).map((l) => l.sourceId));
  const productLinks = new Set((await linksOf(store, 'product')).map((l) => l.sourceId));
  const orderLinkList = await linksOf(store, 'salesorder');
  const orderLinks = new Set(orderLinkList.map((l) => l.sourceId));
  const orderOrigin = new Map(orderLinkList.map((l) => [l.sourceId, l.origin]));
  const lineLinks = new Map((await linksOf(store, 'salesorderline')).map((l) => [l.sourceId, l]));
  for (const c of state.woo.customers) {
    if (!poCustomerRefs.has(String(c.id))) missing.push(`customer ${c.id} not in PowerOffice`);
    if (!customerLinks.has(String(c.id))) missing.push(`customer ${c.id} not linked`);
  }
  for (const p of state.woo.products) {
    const code = String(p.sku || `WOO-${p.id}`).toLowerCase();
    if (!poCodes.has(code)) missing.push(`product ${p.id} (${code}) not in PowerOffice`);
    if (!productLinks.has(String(p.id))) missing.push(`product ${p.id} not linked`);
  }
  for (const o of state.woo.orders.filter(takesPart)) {
    const po = poOrders.get(String(o.id));
    if (!po) missing.push(`order ${o.id} not in PowerOffice`);
    if (!orderLinks.has(String(o.id))) missing.push(`order ${o.id} not linked`);
    const have = ((po?.SalesOrderLines as Rec[]) ?? []).length;
    if (po && have !== linesOf(o))
      missing.push(`order ${o.id}: ${have} of ${linesOf(o)} lines in PowerOffice`);
    const link = lineLinks.get(String(o.id));
    if (Object.keys(link?.children ?? {}).length !== linesOf(o)) {
      missing.push(
        `order ${o.id}: ${Object.keys(link?.children ?? {}).length} of ${linesOf(o)} lines linked (${have} in PowerOffice; the order's link origin: ${orderOrigin.get(String(o.id)) ?? 'none'})`,
      );
    }
  }
  for (const m of MAPPINGS) {
    const meta = await new MappingState(m, store).scanMeta();
    for (const i of meta.intents) pending.push(`${m}: intent ${i.from}.${i.id} left`);
    for (const f of meta.failed) pending.push(`${m}: failed ${f.side}.${f.id} ${f.code}`);
  }
  return { missing, pending };
}

// --- normalised final state ---------------------------------------------------------------

const VOLATILE =
  /^(Id|Number|SalesOrderNo|SubledgerAccountId|SubLedgerAccountId|.*DateTimeOffset|.*Datetimeoffset|.*DatetimeOffset|SalesOrderId|CustomerNo|id|date_.*|permalink|slug|_links|order_key|username|avatar_url|meta_data)$/i;

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Rec)
        .filter(([k]) => !VOLATILE.test(k))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, strip(v)]),
    );
  }
  return value;
}

const byKey = (records: Rec[], key: (r: Rec) => string) =>
  Object.fromEntries(records.map((r) => [key(r), r]).sort(([a], [b]) => String(a).localeCompare(String(b))));

/** The state with every system-assigned value replaced by natural keys. */
export async function normalised(state: Both, store: StateBackend): Promise<Rec> {
  const customerRef = new Map(
    state.po.customers.map((c) => [String(c.Id), String(c.ExternalImportReference)]),
  );
  const productCode = new Map(state.po.products.map((p) => [String(p.Id), String(p.Code)]));
  const poCustomers = byKey(
    state.po.customers.map((c) => strip(c) as Rec),
    (c) => String(c.ExternalImportReference ?? c.EmailAddress),
  );
  const poProducts = byKey(
    state.po.products.map((p) => strip(p) as Rec),
    (p) => String(p.Code),
  );
  const poOrders = byKey(
    state.po.salesorders.map((o) => ({
      ...(strip(o) as Rec),
      CustomerId: customerRef.get(String(o.CustomerId)),
      SalesOrderLines: ((o.SalesOrderLines as Rec[]) ?? [])
        .map((l): Rec => ({ ...(strip(l) as Rec), ProductId: productCode.get(String(l.ProductId)) }))
        .sort((a, b) => String(a.ExternalImportReference).localeCompare(String(b.ExternalImportReference))),
    })),
    (o) => String(o.ExternalImportReference),
  );
  const wooProducts = byKey(
    state.woo.products.map((p) => strip(p) as Rec),
    (p) => String(p.sku || p.name),
  );
  const links: Rec = {};
  const wooSku = new Map(state.woo.products.map((p) => [String(p.id), String(p.sku || `WOO-${p.id}`)]));
  const poOrderRef = new Map(
    state.po.salesorders.map((o) => [String(o.Id), String(o.ExternalImportReference)]),
  );
  for (const m of MAPPINGS) {
    const list = await linksOf(store, m);
    links[m] = Object.fromEntries(
      list
        .map((l) => {
          const source = m === 'product' ? (wooSku.get(l.sourceId) ?? l.sourceId) : l.sourceId;
          const target =
            m === 'customer-person'
              ? customerRef.get(l.targetId)
              : m === 'product'
                ? productCode.get(l.targetId)
                : poOrderRef.get(l.targetId);
          return [
            source,
            {
              target: target ?? `?${l.targetId}`,
              virtual: l.virtual === true,
              children: Object.keys(l.children ?? {}).sort(),
            },
          ];
        })
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  }
  return {
    po: { customers: poCustomers, products: poProducts, orders: poOrders },
    woo: { products: wooProducts, customers: state.woo.customers.length, orders: state.woo.orders.length },
    links,
  };
}

/** Paths where two normalised states differ (at most `limit`). */
export function differences(a: unknown, b: unknown, limit = 10, path = ''): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(a as Rec), ...Object.keys(b as Rec)])) {
      out.push(...differences((a as Rec)[k], (b as Rec)[k], limit - out.length, `${path}/${k}`));
      if (out.length >= limit) break;
    }
    return out;
  }
  return [`${path || '/'}: ${JSON.stringify(a)?.slice(0, 120)} ≠ ${JSON.stringify(b)?.slice(0, 120)}`];
}

/** Faults the sandboxes injected so far, summed by kind. */
export function injected(env: BenchEnv): Record<string, number> {
  const out: Record<string, number> = {};
  for (const source of [env.woo.faults.injected, env.po.faults.injected]) {
    for (const [k, n] of Object.entries(source)) out[k] = (out[k] ?? 0) + n;
  }
  return out;
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** One result line and its figures, the same for every chaos run. */
export interface ChaosResult {
  run: string;
  trials: number;
  faults: number;
  faultKinds: Record<string, number>;
  duplicates: string[];
  missing: string[];
  pending: string[];
  equalToClean: boolean;
  differences: string[];
  extra?: string;
  /** Figures particular to this run, added after the four common ones. */
  figures?: FigureInput[];
}

export function describe(r: ChaosResult): string {
  return (
    `${r.run}: trials ${r.trials}, faults injected ${r.faults}${Object.keys(r.faultKinds).length ? ` ${JSON.stringify(r.faultKinds)}` : ''}, ` +
    `duplicates found ${r.duplicates.length}, records missing ${r.missing.length}, left pending ${r.pending.length}, ` +
    `final state equal to a clean run: ${r.equalToClean ? 'yes' : 'no'}${r.extra ? `; ${r.extra}` : ''}`
  );
}
