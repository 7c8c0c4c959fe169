/**
 * Taxes stored on one order item, as the item classes' `set_taxes()` store them: the
 * per-rate amounts unrounded (`wc_format_decimal`, 6 decimals) in `taxes[]`, and the line's
 * `total_tax`/`subtotal_tax` as the sum of the per-rate amounts each rounded with
 * `wc_round_tax_total` (round per line) or unrounded (round at subtotal).
 *
 * A product line keeps `{id, total, subtotal}` per rate (a subtotal tax below the total tax
 * is raised to it: "Subtotal cannot be less than total!"); fee and shipping lines only have
 * `total` (`subtotal` is `""` in the API).
 */
import { Decimal, dec, stored, sum } from '../money.ts';
import type { Rec } from '../state.ts';
import type { Taxes } from './calc.ts';
import { roundTaxTotal, type TaxContext } from './context.ts';

export type ItemKind = 'line' | 'fee' | 'shipping';

/** The item's stored taxes as rate id → amount (`total` or `subtotal`). */
export function itemTaxes(item: Rec, which: 'total' | 'subtotal' = 'total'): Taxes {
  const out: Taxes = new Map();
  for (const t of (item.taxes as Rec[] | undefined) ?? []) {
    const value = t[which];
    if (which === 'subtotal' && (value === '' || value === undefined)) continue;
    out.set(Number(t.id), dec(value));
  }
  return out;
}

export function setItemTaxes(
  ctx: TaxContext,
  item: Rec,
  kind: ItemKind,
  taxes: { total: Taxes; subtotal?: Taxes } | false,
): void {
  let total: Taxes = new Map();
  let subtotal: Taxes = new Map();
  if (taxes) {
    if (kind === 'line') {
      if (taxes.total.size > 0 && taxes.subtotal && taxes.subtotal.size > 0) {
        total = taxes.total;
        subtotal = taxes.subtotal;
        if (sum(subtotal.values()).lt(sum(total.values()))) subtotal = total;
      }
    } else {
      total = taxes.total;
    }
  }
  const norm = (m: Taxes): Taxes => new Map([...m].map(([id, v]) => [id, dec(stored(v))]));
  total = norm(total);
  subtotal = norm(subtotal);
  item.taxes = [...total].map(([id, v]) => ({
    id,
    total: stored(v),
    subtotal: kind === 'line' ? (subtotal.has(id) ? stored(subtotal.get(id)!) : '') : '',
  }));
  const lineSum = (m: Taxes) =>
    ctx.roundAtSubtotal ? sum(m.values()) : sum([...m.values()].map((v) => roundTaxTotal(ctx, v)));
  item.total_tax = stored(lineSum(total));
  if (kind === 'line') item.subtotal_tax = stored(lineSum(subtotal));
}

export const zero = (): Decimal => new Decimal(0);
