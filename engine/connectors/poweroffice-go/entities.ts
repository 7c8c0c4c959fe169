/**
 * What the engine knows about PowerOffice Go entities without any config or network.
 *
 * - Customers, products and sales orders are polled with `lastChangedDateTimeOffsetGreaterThan`
 *   (there are no webhooks); their cursor is the newest `LastChangedDateTimeOffset` seen.
 * - Sales order lines live under their order (`/SalesOrders/{id}/Lines`), carry no
 *   timestamp of their own and are always listed completely for one order.
 * - Customers and products can be archived (`IsArchived`) as well as deleted; deleting one
 *   that is in use fails with a conflict, so archiving is the usual way out.
 */
import type { EntityDescriptor, EntityRecord } from '../types.ts';
import { toDate } from './timestamps.ts';

const idOf = (record: EntityRecord): string => {
  const id = record.Id;
  if (typeof id !== 'number' && typeof id !== 'string')
    throw new TypeError('PowerOffice Go record without an Id');
  return String(id);
};

const modifiedAt = (record: EntityRecord): Date | undefined => toDate(record.LastChangedDateTimeOffset);

export const customer: EntityDescriptor = {
  name: 'customer',
  schema: 'poweroffice-go/customer.schema.json',
  idOf,
  modifiedAt,
  changeDetection: 'cursor',
  removeModes: ['archive', 'delete'],
  guardFields: ['ExternalImportReference'],
};

export const product: EntityDescriptor = {
  name: 'product',
  schema: 'poweroffice-go/product.schema.json',
  idOf,
  modifiedAt,
  changeDetection: 'cursor',
  removeModes: ['archive', 'delete'],
  guardFields: ['Code'],
};

export const salesorder: EntityDescriptor = {
  name: 'salesorder',
  schema: 'poweroffice-go/salesorder.schema.json',
  idOf,
  modifiedAt,
  changeDetection: 'cursor',
  removeModes: ['delete'],
  guardFields: ['ExternalImportReference'],
};

export const salesorderline: EntityDescriptor = {
  name: 'salesorderline',
  schema: 'poweroffice-go/salesorderline.schema.json',
  idOf,
  // Lines have no timestamp; a change to a line moves its order's LastChangedDateTimeOffset.
  modifiedAt: () => undefined,
  changeDetection: 'full-scan',
  parent: 'salesorder',
  removeModes: ['delete'],
  guardFields: ['ExternalImportReference'],
};

export const entities: Readonly<Record<string, EntityDescriptor>> = {
  customer,
  product,
  salesorder,
  salesorderline,
};
