/** `$net` / `$gross`: worked values, the rounding rule, argument diagnostics, JSONata calls. */
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { registerHelpers } from '../../engine/mapping/functions/index.ts';
import { gross, net } from '../../engine/mapping/functions/prices.ts';

describe('$net and $gross', () => {
  it('takes VAT out of a gross price, keeping two decimals more than the shop', () => {
    expect(net('1250.00', 25)).toBe(1000);
    expect(net('34.90', 15)).toBe(30.3478); // 30.347826… → 4 decimals, half-up
    expect(net('99.82', 12)).toBe(89.125);
    expect(net('49.90', '25.0000')).toBe(39.92); // rates as /taxes spells them
    expect(net('19.995', 0)).toBe(19.995); // rate 0: the price itself (up to d + 2 decimals)
    expect(net('129', 0, 0)).toBe(129);
  });

  it('adds VAT to a net price, rounded half-up to the shop decimals', () => {
    expect(gross(1000, 25)).toBe(1250);
    expect(gross(800, 25)).toBe(1000);
    expect(gross(30.3478, 15)).toBe(34.9);
    expect(gross(30.35, 15)).toBe(34.9); // 34.9025
    expect(gross(8.004, 25)).toBe(10.01); // 10.005 exactly: half-up, not to even
    expect(gross('89.125', 12, 0)).toBe(100); // 99.82
    expect(gross(19.995, 0)).toBe(20);
  });

  it('round-trips the examples of docs/tax-model.md', () => {
    for (const [price, r] of [
      ['1250.00', 25],
      ['10.02', 25],
      ['34.90', 15],
      ['99.82', 12],
      ['129.00', 0],
    ] as const) {
      expect(gross(net(price, r), r)).toBe(Number(price));
    }
  });

  it('gives nothing for no price (variable products have none), whatever the rate', () => {
    expect(net('', 25)).toBeUndefined();
    expect(net(null, 25)).toBeUndefined();
    expect(gross(undefined, 25)).toBeUndefined();
    expect(net('', undefined)).toBeUndefined(); // a variable product of a class without a rate
  });

  it('names the argument that is wrong', () => {
    expect(() => net('12,50', 25)).toThrow(
      '$net: the price must be a number or a numeric string, got "12,50"',
    );
    expect(() => net('100', undefined)).toThrow(
      '$net: the VAT rate must be a percentage such as 25, got nothing (is there a rate for this tax class?)',
    );
    expect(() => gross(100, 'standard')).toThrow(
      '$gross: the VAT rate must be a percentage such as 25, got "standard"',
    );
    expect(() => gross(100, -25)).toThrow('$gross: the VAT rate must be from 0 to 100 percent, got -25');
    expect(() => net(100, 2500)).toThrow('$net: the VAT rate must be from 0 to 100 percent, got 2500');
    expect(() => net(100, 25, 2.5)).toThrow(
      "$net: the shop's decimals must be an integer from 0 to 8, got 2.5",
    );
    expect(() => gross(100, 25, 'two')).toThrow(
      `$gross: the shop's decimals must be an integer from 0 to 8, got "two"`,
    );
  });

  it('is registered for mappings with these names and arguments', async () => {
    const run = async (text: string, input: unknown) => {
      const expression = jsonata(text);
      registerHelpers(expression);
      return expression.evaluate(input);
    };
    const product = { regular_price: '1250.00', tax_class: '' };
    const rates = { '': '25.0000', 'reduced-rate': '15.0000' };
    expect(
      await run(
        '$net(regular_price, $lookup($rates, tax_class))'.replace('$rates', JSON.stringify(rates)),
        product,
      ),
    ).toBe(1000);
    expect(await run('$decimalString($gross(UnitPrice, 25, 2), 2)', { UnitPrice: 800 })).toBe('1000.00');
    await expect(
      run('$net(regular_price, $lookup({"": 25}, tax_class))', {
        regular_price: '10',
        tax_class: 'zero-rate',
      }),
    ).rejects.toThrow('is there a rate for this tax class?');
  });
});
