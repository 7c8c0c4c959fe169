/**
 * Field handling shared by the resources: address objects merged key by key (unknown keys
 * ignored, as WooCommerce only calls setters it has), and `meta_data` upserted by `id` or
 * `key`.
 */
import type { Shop } from './shop.ts';
import type { Rec } from './state.ts';

export const ADDRESS_KEYS = [
  'first_name',
  'last_name',
  'company',
  'address_1',
  'address_2',
  'city',
  'state',
  'postcode',
  'country',
] as const;

export function emptyAddress(extra: readonly string[]): Rec {
  const out: Rec = {};
  for (const k of [...ADDRESS_KEYS, ...extra]) out[k] = '';
  return out;
}

/** Merge `patch` into the address `target`, known keys only. */
export function mergeAddress(target: Rec, patch: unknown, keys: readonly string[]): void {
  if (typeof patch !== 'object' || patch === null) return;
  for (const [k, v] of Object.entries(patch as Rec)) {
    if (!keys.includes(k)) continue;
    target[k] = v === null ? '' : typeof v === 'string' ? v.trim() : String(v);
  }
}

export function upsertMeta(shop: Shop, list: Rec[], entries: unknown): void {
  if (!Array.isArray(entries)) return;
  for (const entry of entries as Rec[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const byId = entry.id !== undefined ? list.find((m) => m.id === entry.id) : undefined;
    const existing = byId ?? list.find((m) => m.key === entry.key);
    if (existing) {
      if (entry.key !== undefined) existing.key = entry.key;
      existing.value = entry.value ?? '';
    } else if (typeof entry.key === 'string' && entry.key !== '') {
      list.push({ id: shop.nextId('meta'), key: entry.key, value: entry.value ?? '' });
    }
  }
}

/** Apply plain scalar fields that are present in `body`. */
export function assignScalars(target: Rec, body: Rec, keys: readonly string[]): void {
  for (const k of keys) if (body[k] !== undefined) target[k] = body[k];
}
