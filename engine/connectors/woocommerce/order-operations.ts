/**
 * Operations on shop orders that mapping actions write back with: `set-meta` (one
 * `meta_data` entry, upserted by key: `PUT /orders/{id}` with `{meta_data: [{key, value}]}`,
 * as WooCommerce does) and `add-note` (`POST /orders/{id}/notes`).
 *
 * Never twice: setting a meta value is idempotent by nature; a note is a POST, so a call
 * that may follow an earlier attempt (`resume`) first lists the order's notes and adds
 * nothing when one with the same text is there.
 */
import type { OperationDeclaration } from '../spec.ts';
import type { OperationResult, WriteOptions } from '../types.ts';
import type { WooApi } from './api.ts';

export const setMetaOperation: OperationDeclaration = {
  entity: 'order',
  description: 'set one meta_data entry of the order (upserted by key)',
  options: {
    type: 'object',
    properties: {
      key: {
        type: 'string',
        title: 'Meta key',
        description:
          'The meta_data key, e.g. _poweroffice_invoice_no (a leading underscore hides it in the admin)',
      },
    },
    required: ['key'],
  },
  value: 'required',
  result: ['key', 'value'],
};

export const addNoteOperation: OperationDeclaration = {
  entity: 'order',
  description: 'add an order note (private unless customer_note)',
  options: {
    type: 'object',
    properties: {
      customer_note: {
        type: 'boolean',
        title: 'Note to the customer',
        description:
          'true: WooCommerce shows the note to the customer and e-mails it; default false (private note)',
        default: false,
      },
    },
  },
  value: 'required',
  result: ['id', 'note'],
};

export async function setOrderMeta(
  api: WooApi,
  id: string,
  key: string,
  value: unknown,
  options: WriteOptions = {},
): Promise<OperationResult> {
  const text = value === null || value === undefined ? '' : String(value);
  // PUT: a partial update is idempotent, so the shared retry policy may repeat it safely.
  await api.request('PUT', `orders/${encodeURIComponent(id)}`, {
    body: { meta_data: [{ key, value: text }] },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { result: { key, value: text }, summary: `order ${id}: meta ${key} set` };
}

export async function addOrderNote(
  api: WooApi,
  id: string,
  note: unknown,
  request: { customerNote: boolean; resume: boolean },
  options: WriteOptions = {},
): Promise<OperationResult> {
  const text = String(note ?? '').trim();
  const route = `orders/${encodeURIComponent(id)}/notes`;
  const signal = options.signal ? { signal: options.signal } : {};
  if (request.resume) {
    const existing = await api.request<Array<{ id: number; note: string }>>('GET', route, {
      query: { type: 'any' },
      ...signal,
    });
    const same = existing.body.find((n) => String(n.note).trim() === text);
    if (same) return { result: { id: same.id, note: text }, summary: `order ${id}: note already there` };
  }
  const created = await api.request<{ id: number }>('POST', route, {
    body: { note: text, customer_note: request.customerNote },
    ...signal,
  });
  return { result: { id: created.body.id, note: text }, summary: `order ${id}: note added` };
}
