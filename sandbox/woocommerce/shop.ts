/**
 * The sandbox shop: data, clock, validation and the change feed that webhooks listen to.
 * Resource logic lives in customers.ts, orders.ts and products.ts; this class holds what
 * they share.
 */
import { datePair } from './dates.ts';
import { emptyData, publicView, type Rec, type ShopData } from './state.ts';
import { type TaxContext, taxContext } from './tax/context.ts';
import { BodyValidator, type Resource } from './validate.ts';

export type ChangeEvent = 'created' | 'updated' | 'deleted' | 'restored';

export interface ShopSettings {
  /** Site URL without trailing slash (permalinks, webhook source). */
  siteUrl: string;
  /** Fixed offset of the site's timezone from UTC, in minutes (default 60). */
  utcOffsetMinutes?: number;
  now?: () => Date;
}

/** WooCommerce version the sandbox claims to be (order `version`, webhook User-Agent). */
export const WC_VERSION = '9.8.0';
export const WP_VERSION = '6.8';

export class Shop {
  data: ShopData = emptyData();
  readonly validator = new BodyValidator();
  readonly offset: number;
  /** Called after every change made through the API or the admin edit helpers. */
  onChange: (resource: Resource, event: ChangeEvent, id: number, record: Rec) => void = () => {};
  /** Called after every mutation (persistence). */
  onMutate: () => void = () => {};

  constructor(readonly settings: ShopSettings) {
    this.offset = settings.utcOffsetMinutes ?? 60;
  }

  /** `woocommerce_currency`. */
  get currency(): string {
    return this.data.options.woocommerce_currency ?? 'NOK';
  }

  /** The tax settings as they are now (read per calculation, so settings API changes apply). */
  tax(): TaxContext {
    return taxContext(this.data);
  }

  now(): Date {
    const now = this.settings.now?.() ?? new Date();
    return new Date(Math.floor(now.getTime() / 1000) * 1000); // WordPress keeps whole seconds
  }

  dates(name: string, date: Date | null): Record<string, string | null> {
    return datePair(name, date, this.offset);
  }

  nextId(kind: keyof ShopData['seq']): number {
    this.data.seq[kind] += 1;
    return this.data.seq[kind];
  }

  list(resource: Resource): Rec[] {
    return resource === 'customer'
      ? this.data.customers
      : resource === 'order'
        ? this.data.orders
        : this.data.products;
  }

  find(resource: Resource, id: number): Rec | undefined {
    return this.list(resource).find((r) => r.id === id);
  }

  remove(resource: Resource, id: number): void {
    const list = this.list(resource);
    const index = list.findIndex((r) => r.id === id);
    if (index >= 0) list.splice(index, 1);
  }

  /** Stamp `date_modified(_gmt)` when `after` differs from `before` (ignoring the stamp). */
  touchIfChanged(before: string, record: Rec): boolean {
    const strip = (r: Rec) =>
      JSON.stringify({ ...r, date_modified: null, date_modified_gmt: null, _modified: null });
    if (strip(JSON.parse(before) as Rec) === strip(record)) return false;
    Object.assign(record, this.dates('date_modified', this.now()));
    return true;
  }

  changed(resource: Resource, event: ChangeEvent, record: Rec): void {
    this.onMutate();
    this.onChange(resource, event, record.id as number, publicView(record));
  }
}
