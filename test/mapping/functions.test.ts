/** The registered helpers, each on its own, and through JSONata with their signatures. */
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { JSONATA_BUILTINS } from '../../engine/mapping/functions/builtins.ts';
import {
  dateTimeOffset,
  gmtDateTime,
  utcDate,
  utcDateTime,
  zonedDate,
} from '../../engine/mapping/functions/dates.ts';
import { helpers, registerHelpers } from '../../engine/mapping/functions/index.ts';
import {
  decimal,
  decimalString,
  divide,
  exclVat,
  inclVat,
  multiply,
  percentOff,
  sumDecimal,
} from '../../engine/mapping/functions/money.ts';
import { htmlToText, MAX_HTML_DEPTH } from '../../engine/mapping/functions/text.ts';

describe('decimal money', () => {
  it('parses WooCommerce string amounts and rounds half-up', () => {
    expect(decimal('19.90')).toBe(19.9);
    expect(decimal('0.125')).toBe(0.13);
    expect(decimal('2.675')).toBe(2.68); // 2.675 is 2.67499999… as a float
    expect(decimal('-2.5', 0)).toBe(-3); // away from zero
    expect(decimal('1.0000005', 6)).toBe(1.000001);
    expect(decimal(1.005)).toBe(1.01);
    expect(decimal('7')).toBe(7);
  });

  it('has no float drift', () => {
    expect(decimal(0.1 + 0.2)).toBe(0.3);
    expect(divide('0.3', '3', 6)).toBe(0.1);
  });

  it('gives nothing for empty input and an error for text that is not a number', () => {
    expect(decimal('')).toBeUndefined();
    expect(decimal(null)).toBeUndefined();
    expect(decimal(undefined)).toBeUndefined();
    expect(() => decimal('12,50')).toThrow('not a number');
    expect(() => decimal('1', 13)).toThrow('decimals');
  });

  it('formats with exactly N decimals', () => {
    expect(decimalString(159.9, 2)).toBe('159.90');
    expect(decimalString('500.004')).toBe('500.00');
    expect(decimalString('0.005')).toBe('0.01');
    expect(decimalString(3, 0)).toBe('3');
  });

  it('divides exactly and rounds half-up', () => {
    expect(divide('100.00', 3, 6)).toBe(33.333333);
    expect(divide('200', 3, 6)).toBe(66.666667);
    expect(divide('10', 0)).toBeUndefined();
  });

  it('computes a discount percentage', () => {
    expect(percentOff('300.00', '270.00', 6)).toBe(10);
    expect(percentOff('100.00', '66.67', 6)).toBe(33.33);
    expect(percentOff('3', '2', 6)).toBe(33.333333);
    expect(percentOff('0', '0')).toBe(0);
    expect(percentOff('100', '100')).toBe(0);
  });

  it('multiplies and sums exactly (the VAT of a line, a total of string amounts)', () => {
    expect(multiply('89.13', 0.12)).toBe(10.7); // 10.6956
    expect(multiply('0.10', 0.25)).toBe(0.03); // 0.025, half-up
    expect(multiply('-0.10', 0.25)).toBe(-0.03); // away from zero
    expect(multiply(undefined, 2)).toBeUndefined();
    expect(sumDecimal(['0.10', '0.20'])).toBe(0.3);
    expect(sumDecimal([0.1, 0.2, -0.3])).toBe(0);
    expect(sumDecimal(['35.93', '143.86', '', null, 79])).toBe(258.79);
    expect(sumDecimal([])).toBe(0);
    expect(sumDecimal(undefined)).toBe(0);
    expect(sumDecimal(['1.005'])).toBe(1.01);
    expect(sumDecimal(['1.0049'], 3)).toBe(1.005);
    expect(() => sumDecimal(['x'])).toThrow(/\$sumDecimal: "x" is not a number/);
  });

  it('refuses values and results beyond the largest double clearly, never Infinity (npm run fuzz)', () => {
    expect(() => decimal('1e309')).toThrow(
      /\$decimal: the value 1e\+309 is beyond the largest number allowed/,
    );
    expect(() => decimalString('1e999999999')).toThrow(/\$decimalString: the value .* is beyond the largest/);
    expect(() => decimal(Number.POSITIVE_INFINITY)).toThrow(
      /\$decimal: the value Infinity is not a finite number/,
    );
    expect(() => divide('1e308', '1e-300')).toThrow(/\$divide: the result .* is beyond the largest/);
    expect(() => exclVat('10', '-100')).toThrow(/\$exclVat: the result/);
    expect(() => inclVat('1.7e308', '25')).toThrow(/\$inclVat: the result/);
    expect(decimal('1e308')).toBe(1e308);
    expect(decimal('1e-999999999')).toBe(0);
    expect(decimalString('-1e-999999999')).toBe('0.00');
  });

  it('converts between prices excluding and including VAT', () => {
    expect(exclVat('125.00', 25)).toBe(100);
    expect(inclVat('100.00', 25)).toBe(125);
    expect(exclVat('99.90', 25, 2)).toBe(79.92);
    expect(inclVat('79.92', '15')).toBe(91.91);
  });
});

describe('dates', () => {
  it('reads WooCommerce *_gmt values (no zone suffix) as UTC', () => {
    expect(utcDateTime('2024-05-01T10:15:00')).toBe('2024-05-01T10:15:00Z');
    expect(utcDateTime('2024-05-01T12:15:00+02:00')).toBe('2024-05-01T10:15:00Z');
    expect(utcDate('2024-04-30T23:30:00')).toBe('2024-04-30');
    expect(gmtDateTime('2024-05-01T12:15:00.1234567+02:00')).toBe('2024-05-01T10:15:00');
  });

  it('gives the business date in an IANA zone, daylight saving time included', () => {
    expect(zonedDate('2024-04-30T22:30:00', 'Europe/Oslo')).toBe('2024-05-01'); // CEST, +02:00
    expect(zonedDate('2024-01-31T22:30:00', 'Europe/Oslo')).toBe('2024-01-31'); // CET, +01:00
    expect(zonedDate('2024-01-31T23:30:00', 'Europe/Oslo')).toBe('2024-02-01');
    expect(zonedDate('2024-05-01T03:00:00', 'America/New_York')).toBe('2024-04-30');
    expect(() => zonedDate('2024-05-01T03:00:00', 'Europe/Osloo')).toThrow('unknown time zone');
  });

  it('writes PowerOffice DateTimeOffset values with 7 fractional digits', () => {
    expect(dateTimeOffset('2024-05-01T10:15:00')).toBe('2024-05-01T10:15:00.0000000+00:00');
    expect(dateTimeOffset('2024-05-01T10:15:00.123Z')).toBe('2024-05-01T10:15:00.1230000+00:00');
    expect(dateTimeOffset('2021-09-30T08:03:00.1234567+00:00')).toBe('2021-09-30T08:03:00.1230000+00:00');
  });

  it('gives nothing for empty input and refuses dates that do not exist', () => {
    expect(utcDate('')).toBeUndefined();
    expect(utcDate(null)).toBeUndefined();
    expect(() => utcDate('2024-02-30')).toThrow('not a valid date');
    expect(() => utcDate('yesterday')).toThrow('not an ISO 8601 date');
  });
});

describe('HTML to plain text', () => {
  it('keeps the text, decodes entities, drops markup, links and images', () => {
    expect(htmlToText('<p>Stor kopp i <strong>steintøy</strong> &amp; glass.</p>')).toBe(
      'Stor kopp i steintøy & glass.',
    );
    expect(htmlToText('<h2>Om</h2><p>Tekst <a href="https://x">her</a><img src="y.png"></p>')).toBe(
      'Om\n\nTekst her',
    );
    expect(htmlToText('<ul><li>En</li><li>To</li></ul>')).toBe('- En\n- To');
    expect(htmlToText('')).toBeUndefined();
  });

  const nested = (open: string, close: string, n: number, text = 'deep') =>
    open.repeat(n) + text + close.repeat(n);

  it('refuses HTML nested deeper than the limit, naming the depth and the limit (never a stack overflow)', () => {
    // 20,000 nested <div>s (fuzz products 8 and 63) overflowed html-to-text's recursive walk,
    // or not, depending on the stack the caller had already used.
    for (let i = 0; i < 3; i++) {
      expect(() => htmlToText(nested('<div>', '</div>', 20_000))).toThrow(
        '$htmlToText: the HTML is nested 20000 elements deep, more than the limit of 256',
      );
    }
    // Implied closes count as the parser's tree has them: unclosed <div>s nest, <p>s do not.
    expect(() => htmlToText(`${'<div>'.repeat(MAX_HTML_DEPTH + 1)}x`)).toThrow('nested 257 elements deep');
    expect(htmlToText(`${'<p>x'.repeat(20_000)}`)).toContain('x');
  });

  it('converts HTML nested up to the limit, lists and tables too', () => {
    expect(htmlToText(nested('<div>', '</div>', MAX_HTML_DEPTH))).toBe('deep');
    expect(htmlToText(nested('<ul><li>', '</li></ul>', MAX_HTML_DEPTH / 2))).toMatch(/- deep$/);
    expect(htmlToText(nested('<table><tr><td>', '</td></tr></table>', Math.floor(MAX_HTML_DEPTH / 3)))).toBe(
      'deep',
    );
  });

  it('never truncates long input (html-to-text cut it at 16 MiB with only a console warning)', () => {
    expect(htmlToText(`<!--${'x'.repeat(2 ** 24)}-->the end`)).toBe('the end');
  });
});

describe('registration in JSONata', () => {
  const run = async (expression: string, input: unknown = {}, link = async () => '7') => {
    const compiled = jsonata(expression);
    registerHelpers(compiled);
    const fetch = async (side: string, name: string, args: Record<string, unknown>) => ({ side, name, args });
    return compiled.evaluate(input, { __mapsync_context: { link, fetch } });
  };

  it('every helper is callable by its name with its signature', async () => {
    expect(await run('$decimal(price, 2)', { price: '19.999' })).toBe(20);
    expect(await run('$decimalString(19.9)')).toBe('19.90');
    expect(await run('$zonedDate("2024-04-30T22:30:00", "Europe/Oslo")')).toBe('2024-05-01');
    expect(await run('$htmlToText("<b>x</b>")')).toBe('x');
    expect(await run('$sumDecimal(a)', { a: ['0.10', '0.20'] })).toBe(0.3);
    expect(await run('$sumDecimal(a, 0)', { a: [1.5] })).toBe(2);
    expect(await run('$multiply("89.13", 12 / 100)')).toBe(10.7);
    expect(await run("$link('customer', 5)")).toBe('7');
    expect(await run("$fetch('target', 'currency-rate', {'from': c})", { c: 'EUR' })).toEqual({
      side: 'target',
      name: 'currency-rate',
      args: { from: 'EUR' },
    });
    expect(
      await run('$orgNumber(meta[key = "org"].value)', { meta: [{ key: 'org', value: '974 760 673' }] }),
    ).toBe('974760673');
    expect(Object.keys(helpers).sort()).toEqual(
      [
        'dateTimeOffset',
        'decimal',
        'decimalString',
        'divide',
        'exclVat',
        'fetch',
        'gmtDateTime',
        'gross',
        'htmlToText',
        'inclVat',
        'link',
        'multiply',
        'net',
        'orgNumber',
        'percentOff',
        'sumDecimal',
        'utcDate',
        'utcDateTime',
        'zonedDate',
      ].sort(),
    );
  });

  it('a helper called with a wrong argument type fails with the JSONata signature error', async () => {
    await expect(run('$decimal({"a": 1})')).rejects.toMatchObject({ code: 'T0410' });
  });

  it('$link with an empty key does not ask the engine', async () => {
    let asked = 0;
    const link = async () => {
      asked++;
      return '1';
    };
    expect(await run("$link('customer', missing)", {}, link)).toBeUndefined();
    expect(await run("$link('customer', '')", {}, link)).toBeUndefined();
    expect(asked).toBe(0);
  });
});

describe('the list of JSONata built-ins', () => {
  it('names only functions that exist in the installed jsonata', async () => {
    for (const name of JSONATA_BUILTINS) {
      const value = (await jsonata(`$${name}`).evaluate({})) as { implementation?: unknown } | undefined;
      expect(typeof value?.implementation, name).toBe('function');
    }
  });
});
