/**
 * The rounding rule of `$net` / `$gross` as properties (docs/tax-model.md, "Why nothing
 * drifts"): 10,000 random prices per shop setting and rate.
 *
 * - shop → PowerOffice → shop is the identity: for every price on the shop's grid,
 *   `$gross($net(p, r), r) = p` — in a shop with prices including VAT (r = the class's rate)
 *   and in one without (r = 0 on the way in and out);
 * - the reverse holds where it can: a net price typed in PowerOffice with the shop's
 *   decimals comes back from the shop as the same price once rounded to those decimals,
 *   and a second round trip changes nothing (no drift, ever).
 */

import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gross, net } from '../../engine/mapping/functions/prices.ts';

const RATES = [25, 15, 12, 0] as const;
const RUNS = 10_000;

/** A price on a grid of `decimals` decimals, up to 10 million, as the shop's string. */
const priceOnGrid = (decimals: number) =>
  fc
    .bigInt({ min: 0n, max: 10n ** BigInt(7 + decimals) })
    .map((units) => new Decimal(units.toString()).dividedBy(new Decimal(10).pow(decimals)).toFixed(decimals));

const round = (value: number | undefined, decimals: number) =>
  new Decimal(value!).toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP).toNumber();

describe.each(RATES)('prices at %d %% VAT', (rate) => {
  it('shop → PowerOffice → shop is the identity in a shop with prices including VAT', () => {
    fc.assert(
      fc.property(priceOnGrid(2), (shopPrice) => {
        expect(gross(net(shopPrice, rate), rate)).toBe(Number(shopPrice));
      }),
      { numRuns: RUNS },
    );
  });

  it('shop → PowerOffice → shop is the identity in a shop with prices excluding VAT', () => {
    fc.assert(
      fc.property(priceOnGrid(2), (shopPrice) => {
        const unitPrice = net(shopPrice, 0); // PowerOffice gets the shop's net price as is
        expect(unitPrice).toBe(Number(shopPrice));
        expect(gross(unitPrice, 0)).toBe(Number(shopPrice));
      }),
      { numRuns: RUNS },
    );
  });

  it('holds for shops with 0 and 3 decimals too', () => {
    for (const decimals of [0, 3]) {
      fc.assert(
        fc.property(priceOnGrid(decimals), (shopPrice) => {
          expect(gross(net(shopPrice, rate, decimals), rate, decimals)).toBe(Number(shopPrice));
        }),
        { numRuns: RUNS / 10 },
      );
    }
  });

  it('PowerOffice → shop → PowerOffice gives the net price back at the shop decimals, and then never moves', () => {
    fc.assert(
      fc.property(priceOnGrid(2), (unitPrice) => {
        const shopPrice = gross(unitPrice, rate);
        const back = net(shopPrice, rate);
        expect(round(back, 2)).toBe(Number(unitPrice));
        // A second trip changes nothing: the shop price is a fixed point.
        expect(gross(back, rate)).toBe(shopPrice);
        expect(net(gross(back, rate), rate)).toBe(back);
      }),
      { numRuns: RUNS },
    );
  });
});
