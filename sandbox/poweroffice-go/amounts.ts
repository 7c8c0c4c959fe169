/**
 * Line amounts as the sandbox computes them, in decimal arithmetic (never binary floats):
 * NetAmount = round2(Quantity × ProductUnitPrice × (1 − Allowance/100)),
 * VatAmount = round2(NetAmount × VatRate), TotalAmount = NetAmount + VatAmount.
 * Rounding is half away from zero, per line (a credit line rounds like its positive twin);
 * the order's amounts are the sums of its lines' rounded amounts. The VAT rate comes from
 * the line's sales account (vat.ts).
 */
import { Decimal } from 'decimal.js';

export interface LineAmounts {
  NetAmount: number;
  VatAmount: number;
  TotalAmount: number;
}

export const round2 = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

export function lineAmounts(
  quantity: unknown,
  unitPrice: unknown,
  allowance: unknown,
  vatRate: number,
): LineAmounts {
  if (typeof quantity !== 'number' || typeof unitPrice !== 'number')
    return { NetAmount: 0, VatAmount: 0, TotalAmount: 0 };
  const discount = typeof allowance === 'number' ? new Decimal(allowance) : new Decimal(0);
  const net = round2(
    new Decimal(quantity).times(new Decimal(unitPrice)).times(new Decimal(1).minus(discount.dividedBy(100))),
  );
  const vat = round2(net.times(new Decimal(vatRate)));
  return { NetAmount: net.toNumber(), VatAmount: vat.toNumber(), TotalAmount: net.plus(vat).toNumber() };
}

export function sum(values: number[]): number {
  return values.reduce((acc, v) => acc.plus(new Decimal(v)), new Decimal(0)).toNumber();
}

/** `amount × rate` in the client currency, rounded to the cent. */
export function posted(amount: unknown, rate: unknown): number {
  if (typeof amount !== 'number') return 0;
  const r = typeof rate === 'number' ? rate : 1;
  return round2(new Decimal(amount).times(new Decimal(r))).toNumber();
}
