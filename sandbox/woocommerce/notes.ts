/**
 * Order notes (`/orders/<id>/notes`): WordPress comments on the order, so adding or
 * deleting one does not save the order (its `date_modified` stays, no webhook). Fields as
 * the v3 API shows them: `id`, `author` (`system` for WooCommerce's own notes, else the
 * user), `date_created(_gmt)`, `note`, `customer_note`; `added_by_user` is write-only.
 * Listing is newest first; `type` = `any` (default), `customer` or `internal`. Deleting
 * needs `force=true` (notes cannot be trashed: 501). Missing notes: 404
 * `woocommerce_rest_invalid_id`.
 */
import { bool, first, ParamErrors, type Query } from './collection.ts';
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';
import { missingParams, WpError } from './wp-error.ts';

export function notesOf(order: Rec): Rec[] {
  order._notes ??= [];
  return order._notes as Rec[];
}

export function addOrderNote(
  shop: Shop,
  order: Rec,
  note: string,
  options: { customer?: boolean; system?: boolean } = {},
): Rec {
  const record: Rec = {
    id: shop.nextId('note'),
    author: options.system === false ? 'shop manager' : 'system',
    ...shop.dates('date_created', shop.now()),
    note,
    customer_note: options.customer === true,
  };
  notesOf(order).push(record);
  shop.onMutate();
  return record;
}

export function listNotes(order: Rec, query: Query): Rec[] {
  const errors = new ParamErrors();
  const type = first(query, 'type') ?? 'any';
  if (!['any', 'customer', 'internal'].includes(type))
    errors.add('type', 'type is not one of any, customer, internal.');
  errors.throwIfAny();
  return [...notesOf(order)]
    .filter((n) => type === 'any' || (type === 'customer') === (n.customer_note === true))
    .sort((a, b) => (b.id as number) - (a.id as number));
}

export function getNote(order: Rec, noteId: number): Rec {
  const note = notesOf(order).find((n) => n.id === noteId);
  if (!note) throw new WpError('woocommerce_rest_invalid_id', 'Invalid resource ID.', 404);
  return note;
}

export function createNote(shop: Shop, order: Rec, body: Rec): Rec {
  if (typeof body.note !== 'string' || body.note === '') throw missingParams(['note']);
  return addOrderNote(shop, order, body.note, {
    customer: body.customer_note === true,
    system: body.added_by_user !== true,
  });
}

export function deleteNote(shop: Shop, order: Rec, noteId: number, query: Query, body: Rec): Rec {
  const errors = new ParamErrors();
  const force = bool(query, 'force', errors) ?? body.force === true;
  errors.throwIfAny();
  if (!force)
    throw new WpError('woocommerce_rest_trash_not_supported', 'Resource does not support trashing.', 501);
  const note = getNote(order, noteId);
  order._notes = notesOf(order).filter((n) => n !== note);
  shop.onMutate();
  return note;
}
