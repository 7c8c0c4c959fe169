/**
 * The helper functions every mapping expression can call, registered on each compiled
 * expression before its first evaluation with a JSONata signature (so wrong argument types fail with a clear error).
 * This list is also what `mapsync validate` accepts as function names besides JSONata's
 * built-ins and the expression's own lambdas, and what docs/mapping-format.md documents.
 */
import type jsonata from 'jsonata';
import type { EvaluationContext } from '../model.ts';
import { dateTimeOffset, gmtDateTime, utcDate, utcDateTime, zonedDate } from './dates.ts';
import {
  decimal,
  decimalString,
  divide,
  exclVat,
  inclVat,
  multiply,
  percentOff,
  sumDecimal,
} from './money.ts';
import { orgNumber } from './org-number.ts';
import { gross, net } from './prices.ts';
import { htmlToText } from './text.ts';

/** Name of the hidden binding that carries the EvaluationContext into `$link`. */
export const CONTEXT_BINDING = '__mapsync_context';

export interface HelperFunction {
  /** JSONata signature, e.g. `<(sn)n?:n>`. */
  readonly signature: string;
  /** One line for docs and `--help`. */
  readonly summary: string;
  readonly implementation: (this: jsonata.Focus, ...args: unknown[]) => unknown;
}

const plain =
  (fn: (...args: unknown[]) => unknown) =>
  (...args: unknown[]): unknown =>
    fn(...args);

export const helpers: Readonly<Record<string, HelperFunction>> = {
  link: {
    signature: '<sx:x>',
    summary:
      'The target-side id linked to a source key of another mapping (or to a source record given as an object, matched or created as that mapping allows).',
    implementation(this: jsonata.Focus, mapping: unknown, key: unknown) {
      const context = this.environment.lookup(CONTEXT_BINDING) as EvaluationContext | undefined;
      if (!context) throw new Error('$link: no link resolver in this evaluation');
      if (key === undefined || key === null || key === '') return undefined;
      return context.link(String(mapping), key);
    },
  },
  fetch: {
    signature: '<sso:x>',
    summary:
      'A lookup of the mapping\'s source or target system, e.g. $fetch(\'target\', \'currency-rate\', {"from": currency, "to": "NOK", "date": …}): names and answers are declared by the connector kind (docs/mapping-format.md); asked at most once per run for the same arguments.',
    implementation(this: jsonata.Focus, side: unknown, name: unknown, args: unknown) {
      const context = this.environment.lookup(CONTEXT_BINDING) as EvaluationContext | undefined;
      if (!context?.fetch)
        throw new Error(
          `$fetch('${String(side)}', '${String(name)}', …): no system is connected in this evaluation`,
        );
      if (side !== 'source' && side !== 'target')
        throw new Error(`$fetch: the first argument must be 'source' or 'target', not '${String(side)}'`);
      return context.fetch(side, String(name), (args ?? {}) as Record<string, unknown>);
    },
  },
  decimal: {
    signature: '<(snl)n?:n>',
    summary:
      'A money or decimal value (string or number) rounded half-up to N decimals (default 2), as a number.',
    implementation: plain((v, n) => decimal(v, n)),
  },
  decimalString: {
    signature: '<(snl)n?:s>',
    summary: 'Like $decimal, but as a string with exactly N decimals ("19.90").',
    implementation: plain((v, n) => decimalString(v, n)),
  },
  divide: {
    signature: '<(snl)(snl)n?:n>',
    summary: 'Exact decimal division rounded half-up to N decimals (default 2); nothing when dividing by 0.',
    implementation: plain((a, b, n) => divide(a, b, n)),
  },
  multiply: {
    signature: '<(snl)(snl)n?:n>',
    summary:
      'Exact decimal product rounded half-up to N decimals (default 2), e.g. the VAT of a line: $multiply(net, rate / 100).',
    implementation: plain((a, b, n) => multiply(a, b, n)),
  },
  sumDecimal: {
    signature: '<x n?:n>',
    summary:
      'Exact decimal sum of an array of numbers or numeric strings (unlike $sum, no binary float drift), rounded half-up to N decimals (default 2); empty entries are skipped.',
    implementation: plain((v, n) => sumDecimal(v, n)),
  },
  percentOff: {
    signature: '<(snl)(snl)n?:n>',
    summary:
      'Discount percent from a before and an after amount, (before − after) / before × 100, rounded half-up.',
    implementation: plain((a, b, n) => percentOff(a, b, n)),
  },
  exclVat: {
    signature: '<(snl)(sn)n?:n>',
    summary: 'An amount including VAT without the VAT: amount / (1 + rate/100), rounded half-up (default 2).',
    implementation: plain((a, r, n) => exclVat(a, r, n)),
  },
  inclVat: {
    signature: '<(snl)(sn)n?:n>',
    summary:
      'An amount excluding VAT with the VAT added: amount × (1 + rate/100), rounded half-up (default 2).',
    implementation: plain((a, r, n) => inclVat(a, r, n)),
  },
  net: {
    signature: '<(snl)x(sn)?:n>',
    summary:
      "A price including VAT as the price without VAT: price / (1 + rate/100), rounded half-up to the shop's decimals + 2 (default 2 + 2), so that $gross gives the price back exactly. Rate 0 = the price itself.",
    implementation: plain((p, r, d) => net(p, r, d)),
  },
  gross: {
    signature: '<(snl)x(sn)?:n>',
    summary:
      "A price without VAT as the price with VAT: price × (1 + rate/100), rounded half-up to the shop's decimals (default 2). The inverse of $net.",
    implementation: plain((p, r, d) => gross(p, r, d)),
  },
  orgNumber: {
    signature: '<(snl):s>',
    summary:
      'A Norwegian organisation number as 9 digits (spaces removed), checked with its mod-11 check digit; nothing when empty; an invalid one fails the record.',
    implementation: plain((v) => orgNumber(v)),
  },
  htmlToText: {
    signature: '<(sl):s>',
    summary: 'The plain text of an HTML fragment (product descriptions).',
    implementation: plain((h) => htmlToText(h)),
  },
  utcDateTime: {
    signature: '<(snl):s>',
    summary:
      'An instant as ISO 8601 UTC ("2024-05-01T10:00:00Z"); a date without zone (WooCommerce *_gmt) is read as UTC.',
    implementation: plain((v) => utcDateTime(v)),
  },
  utcDate: {
    signature: '<(snl):s>',
    summary: 'The UTC calendar date of an instant ("2024-05-01").',
    implementation: plain((v) => utcDate(v)),
  },
  zonedDate: {
    signature: '<(snl)s:s>',
    summary:
      'The calendar date of an instant in an IANA time zone, e.g. $zonedDate(date_created_gmt, "Europe/Oslo").',
    implementation: plain((v, z) => zonedDate(v, z)),
  },
  dateTimeOffset: {
    signature: '<(snl):s>',
    summary: 'An instant as a PowerOffice Go DateTimeOffset ("2024-05-01T10:00:00.0000000+00:00").',
    implementation: plain((v) => dateTimeOffset(v)),
  },
  gmtDateTime: {
    signature: '<(snl):s>',
    summary: 'An instant in WooCommerce *_gmt form ("2024-05-01T10:00:00", UTC without suffix).',
    implementation: plain((v) => gmtDateTime(v)),
  },
};

/** Register every helper on a compiled JSONata expression. */
export function registerHelpers(expression: jsonata.Expression): void {
  for (const [name, helper] of Object.entries(helpers)) {
    expression.registerFunction(name, helper.implementation, helper.signature);
  }
}
