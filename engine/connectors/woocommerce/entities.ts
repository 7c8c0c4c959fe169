/**
 * What the engine knows about WooCommerce entities without any config or network: names,
 * schemas, ids, modification times, how changes are found and how records are removed.
 *
 * - Customers have no date filter in wc/v3 (`modified_after` is silently ignored), so they
 *   are found by full scans diffed by content.
 * - Orders and products are listed incrementally by `date_modified_gmt`.
 * - A non-forced delete moves orders and products to the trash: a trashed record is still
 *   returned by `GET /<id>` with `status: "trash"`, which the engine must read as gone.
 */
import type { EntityDescriptor, EntityRecord } from '../types.ts';

/** Parse a WooCommerce `*_gmt` date (`YYYY-MM-DDTHH:MM:SS`, UTC without suffix). */
export function parseGmt(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const idOf = (record: EntityRecord): string => {
  const id = record.id;
  if (typeof id !== 'number' && typeof id !== 'string')
    throw new TypeError('WooCommerce record without an id');
  return String(id);
};

const modifiedAt = (record: EntityRecord): Date | undefined => parseGmt(record.date_modified_gmt);

const trashed = (record: EntityRecord): boolean => record.status === 'trash';

export const customer: EntityDescriptor = {
  name: 'customer',
  schema: 'woocommerce/customer.schema.json',
  idOf,
  modifiedAt,
  changeDetection: 'full-scan',
  removeModes: ['delete'],
  guardFields: ['email'],
};

export const order: EntityDescriptor = {
  name: 'order',
  schema: 'woocommerce/order.schema.json',
  idOf,
  modifiedAt,
  changeDetection: 'cursor',
  // `delete` moves the order to the trash (recoverable in wp-admin for 30 days).
  removeModes: ['delete'],
  guardFields: ['id'],
  isGone: trashed,
};

export const product: EntityDescriptor = {
  name: 'product',
  schema: 'woocommerce/product.schema.json',
  idOf,
  modifiedAt,
  changeDetection: 'cursor',
  // `delete` moves the product to the trash.
  removeModes: ['delete'],
  guardFields: ['sku'],
  isGone: trashed,
};

export const entities: Readonly<Record<string, EntityDescriptor>> = { customer, order, product };
