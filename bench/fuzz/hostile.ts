/**
 * fast-check arbitraries for shop records of hostile shapes: huge strings, unicode edge
 * cases (combining marks, zero-width and bidi characters, NUL, lone surrogates, astral
 * characters), numbers that are not finite or out of range, SKUs that collide after
 * trimming, by case, or with the generated product codes (WOO-<id>), orders on products
 * deleted before the sync sees them.
 *
 * Every personal value (names, e-mail, address, phone) carries a unique tag, so that the
 * log check can look for each one in the service's output without false hits.
 */
import fc from 'fast-check';

type Rec = Record<string, unknown>;

/** Characters and fragments that break naive code: normalisation, bidi, NUL, surrogates, markup. */
export const UNICODE_EDGES = [
  'e\u0301', // e + combining acute (NFD é)
  '\u00e9', // NFC é
  '\u200b', // zero-width space
  '\u200d', // zero-width joiner
  '\u202e', // right-to-left override
  '\ufeff', // byte order mark
  '\u0000', // NUL
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\u2028', // line separator
  '\u00a0', // no-break space
  '\u3000', // ideographic space
  '👩‍👩‍👧', // emoji ZWJ sequence
  '𝕏', // astral plane
  'ǅ',
  'ß',
  'İ',
  '\t',
  '\r\n',
  'Ø',
  'å',
  '<script>alert(1)</script>',
  "'; DROP TABLE links;--",
  '%s%n%x',
  '$' + '{process.env}', // a template placeholder, literally
  '{{7*7}}',
  '\\u0000',
  '"quoted"',
];

/** Amounts as the shop's REST API accepts them (strings): ordinary, not finite, out of range, too precise. */
export const HOSTILE_AMOUNTS = [
  '19.90',
  '0',
  '-5',
  '0.001',
  '12.345678901234',
  '1e309',
  '-1e309',
  '1e308',
  '1e999999999',
  '1e-999999999',
  'NaN',
  'Infinity',
  '12345678901234567890.12',
  ' 7.5 ',
  '1,5',
  '',
  '0x1F',
  '١٢٣', // Arabic-Indic digits
];

export interface Sizes {
  /** Longest "huge" string, in characters (kept under the shop's 1 MiB body limit). */
  hugeMax: number;
}

/** A unique tag: personal values carry it so the log check cannot mistake them. */
const tag = (i: number, what: string) => `${what}${i.toString(36)}Q${(i * 7919).toString(36)}`;

export function hostileText(t: string, sizes: Sizes): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('Kari', 'Ødegård', 'Zoë', 'Nordmann').map((s) => `${s} ${t}`) },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.constantFrom(...UNICODE_EDGES), { minLength: 1, maxLength: 6 })
        .map((parts) => `${parts.join('')}${t}${parts.reverse().join('')}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1000, max: sizes.hugeMax }), fc.constantFrom('a', 'ø', '𝕏', 'e\u0301', ' '))
        .map(([n, c]) => `${t}${c.repeat(Math.floor(n / c.length))}`),
    },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u200b', `  ${t}  `) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => `${s}${t}`) },
  );
}

export interface CustomerPlan {
  kind: 'customer';
  body: Rec;
  /** Personal values as sent (for the log check). */
  personal: string[];
}

export function customerArb(i: number, sizes: Sizes): fc.Arbitrary<CustomerPlan> {
  const t = (w: string) => tag(i, w);
  return fc
    .record({
      first: hostileText(t('fn'), sizes),
      last: hostileText(t('ln'), sizes),
      address: hostileText(t('ad'), sizes),
      city: fc.oneof(hostileText(t('ci'), sizes), fc.constant('')),
      postcode: fc.constantFrom('0150', '', ' 5003 ', '0'.repeat(40), 'Ø150'),
      country: fc.constantFrom('NO', 'SE', '', 'XX', 'no'),
      phone: fc.constantFrom(`+47 ${i}`, `${t('ph')}`, '', '\u202e12345'),
      emailStyle: fc.constantFrom('plain', 'upper', 'plus', 'spaces'),
    })
    .map((r) => {
      const local = `fz.${t('em')}`;
      const email =
        r.emailStyle === 'upper'
          ? `${local.toUpperCase()}@EXAMPLE.NO`
          : r.emailStyle === 'plus'
            ? `${local}+x@example.no`
            : r.emailStyle === 'spaces'
              ? `  ${local}@example.no `
              : `${local}@example.no`;
      const billing = {
        first_name: r.first,
        last_name: r.last,
        address_1: r.address,
        city: r.city,
        postcode: r.postcode,
        country: r.country,
        phone: r.phone,
        email: email.trim(),
      };
      return {
        kind: 'customer' as const,
        body: { email, first_name: r.first, last_name: r.last, billing },
        personal: [r.first, r.last, r.address, r.city, r.phone, email.trim()],
      };
    });
}

export interface ProductPlan {
  kind: 'product';
  body: Rec;
  /** Raw JSON text to send instead of `body` (numbers JSON.stringify cannot write: 1e309). */
  raw?: string;
}

/**
 * SKUs: none (the product gets a generated code), its own, a case or whitespace variant of
 * an earlier one, a generated code of an earlier product (WOO-<id>, any case), huge, odd.
 */
export function productArb(i: number, sizes: Sizes): fc.Arbitrary<ProductPlan> {
  return fc
    .record({
      sku: fc.oneof(
        fc.constant(''),
        fc.constant(`SKU-${tag(i, 'sk')}`),
        fc.integer({ min: 0, max: Math.max(0, i - 1) }).map((j) => `SKU-${tag(j, 'sk')}`.toLowerCase()),
        fc.integer({ min: 0, max: Math.max(0, i - 1) }).map((j) => ` SKU-${tag(j, 'sk')}\u00a0`),
        fc.integer({ min: 1, max: 40 }).map((n) => `WOO-${n}`),
        fc.integer({ min: 1, max: 40 }).map((n) => ` woo-${n} `),
        fc.constantFrom('x'.repeat(5000), '\u200b', 'SKU\u0000NUL', '𝕏-1', 'e\u0301', '\u202eABC'),
      ),
      name: hostileText(tag(i, 'pn'), sizes),
      price: fc.constantFrom(...HOSTILE_AMOUNTS),
      description: fc.oneof(
        fc.constant('<p>Plain <b>text</b></p>'),
        fc.integer({ min: 100, max: 20_000 }).map((n) => `${'<div>'.repeat(n)}deep${'</div>'.repeat(n)}`),
        fc.constantFrom('<script>x</script><style>y</style>', '<p>&#0;&#xD800;&nbsp;&amp;amp;</p>', '<'),
      ),
      stock: fc.constantFrom<unknown>(undefined, 5, -3, 2 ** 53 + 1, 'raw:1e309', 'raw:-0', 1.5),
      gtin: fc.constantFrom('', '7038010009457', '\u200b123', '1'.repeat(300)),
    })
    .map((r) => {
      const body: Rec = {
        name: r.name,
        type: 'simple',
        status: 'publish',
        sku: r.sku,
        regular_price: r.price,
        short_description: r.description,
        global_unique_id: r.gtin,
      };
      let raw: string | undefined;
      if (typeof r.stock === 'string') {
        body.manage_stock = true;
        raw = JSON.stringify({ ...body, stock_quantity: 0 }).replace(
          '"stock_quantity":0',
          `"stock_quantity":${r.stock.slice(4)}`,
        );
      } else if (r.stock !== undefined) {
        body.manage_stock = true;
        body.stock_quantity = r.stock;
      }
      return { kind: 'product' as const, body, ...(raw ? { raw } : {}) };
    });
}

export interface OrderPlan {
  kind: 'order';
  /** Index into the created customers (−1: a guest), and the product indexes of its lines. */
  customer: number;
  products: Array<{ product: number; quantity: number }>;
  fee?: string;
  shipping?: string;
  status: string;
  currency?: string;
  /** Delete this line's product (index into `products`) right after the order is created. */
  deleteProduct?: number;
  guestEmail: string;
  personal: string[];
}

export function orderArb(
  i: number,
  customers: number,
  products: number,
  sizes: Sizes,
): fc.Arbitrary<OrderPlan> {
  const t = (w: string) => tag(i, w);
  return fc
    .record({
      customer: fc.integer({ min: -1, max: customers - 1 }),
      products: fc.array(
        fc.record({
          product: fc.integer({ min: 0, max: products - 1 }),
          quantity: fc.constantFrom(1, 2, 3, 0, -1, 1_000_000, 2 ** 31),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      fee: fc.option(fc.constantFrom(...HOSTILE_AMOUNTS), { nil: undefined }),
      shipping: fc.option(fc.constantFrom('49', '0', '1e309', '-10', '0.005'), { nil: undefined }),
      status: fc.constantFrom('processing', 'processing', 'completed', 'pending', 'on-hold'),
      currency: fc.option(fc.constantFrom('NOK', 'USD', 'XXX', 'nok'), { nil: undefined }),
      deleteProduct: fc.option(fc.nat(2), { freq: 5, nil: undefined }),
      guestName: hostileText(t('gn'), sizes),
    })
    .map((r) => ({
      kind: 'order' as const,
      customer: r.customer,
      products: r.products,
      ...(r.fee !== undefined ? { fee: r.fee } : {}),
      ...(r.shipping !== undefined ? { shipping: r.shipping } : {}),
      status: r.status,
      ...(r.currency !== undefined ? { currency: r.currency } : {}),
      ...(r.deleteProduct !== undefined && r.deleteProduct < r.products.length
        ? { deleteProduct: r.deleteProduct }
        : {}),
      guestEmail: `fz.${t('ge')}@example.no`,
      personal: [r.guestName, `fz.${t('ge')}@example.no`],
      guestName: r.guestName,
    }));
}

/** The order's REST body once its customer and products exist in the shop. */
export function orderBody(
  plan: OrderPlan & { guestName?: string },
  customerIds: number[],
  productIds: number[],
): Rec {
  const customerId = plan.customer >= 0 ? customerIds[plan.customer] : undefined;
  return {
    status: plan.status,
    ...(plan.currency ? { currency: plan.currency } : {}),
    customer_id: customerId ?? 0,
    ...(customerId === undefined
      ? {
          billing: {
            first_name: plan.guestName ?? 'Guest',
            last_name: 'Gjest',
            email: plan.guestEmail,
            city: 'Oslo',
            postcode: '0150',
            country: 'NO',
            address_1: 'Storgata 1',
          },
        }
      : {}),
    line_items: plan.products
      .map((l) => ({
        product_id: productIds[l.product % Math.max(1, productIds.length)],
        quantity: l.quantity,
      }))
      .filter((l) => l.product_id !== undefined),
    ...(plan.fee !== undefined
      ? { fee_lines: [{ name: 'Gebyr', total: plan.fee, tax_status: 'none' }] }
      : {}),
    ...(plan.shipping !== undefined
      ? { shipping_lines: [{ method_id: 'flat_rate', method_title: 'Frakt', total: plan.shipping }] }
      : {}),
  };
}

/** Edits of existing records with hostile values (the update paths and webhooks). */
export function editArb(sizes: Sizes, i: number): fc.Arbitrary<{ field: string; value: unknown }> {
  return fc.oneof(
    hostileText(tag(i, 'ed'), sizes).map((value) => ({ field: 'first_name', value })),
    fc.constantFrom(...HOSTILE_AMOUNTS).map((value) => ({ field: 'regular_price', value })),
    hostileText(tag(i, 'ep'), sizes).map((value) => ({ field: 'name', value })),
  );
}

/** Deterministic draw of one value from an arbitrary. */
export function draw<T>(arb: fc.Arbitrary<T>, seed: number): T {
  return fc.sample(arb, { seed, numRuns: 1 })[0]!;
}
