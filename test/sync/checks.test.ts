/**
 * `checks:` of a mapping: compiled with the file (MAP_CHECK_DUPLICATE, expressions checked),
 * evaluated once per run (engine/mapping/run-checks.ts). The shipped product mapping's checks
 * compare the table sales_accounts of mapsync.yaml with the shop's rates and the client's
 * accounts and name both sides of a mismatch at the check's line and column.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { loadMappings } from '../../engine/mapping/load.ts';
import type { CompiledMapping } from '../../engine/mapping/model.ts';
import { DEFAULT_SCHEMAS_DIR } from '../../engine/mapping/project.ts';
import { runChecks } from '../../engine/mapping/run-checks.ts';

const MAPPINGS = fileURLToPath(new URL('../../mappings/', import.meta.url));

const shop = (over: Record<string, unknown> = {}) => ({
  calc_taxes: true,
  prices_include_tax: true,
  price_decimals: 2,
  currency: 'NOK',
  tax_classes: [
    { slug: '', name: 'Standard' },
    { slug: 'reduced-rate', name: 'Redusert sats' },
    { slug: 'zero-rate', name: 'Nullsats' },
  ],
  tax_rates: { '': 25, 'reduced-rate': 15, 'zero-rate': 0 },
  ...over,
});
const client = (over: Record<string, unknown> = {}) => ({
  sales_accounts: {
    '3000': { id: 4103000, vat_code: '3', vat_rate: 25 },
    '3020': { id: 4103020, vat_code: '33', vat_rate: 12 },
    '3030': { id: 4103030, vat_code: '31', vat_rate: 15 },
    '3100': { id: 4103100, vat_code: '5', vat_rate: 0 },
  },
  sales_account_of_tax_class: { '': 3000, 'reduced-rate': 3030, 'low-rate': 3020, 'zero-rate': 3100 },
  currencies: ['EUR', 'NOK'],
  ...over,
});

describe('the shipped product mapping', () => {
  let product: CompiledMapping;
  beforeAll(async () => {
    const { mappings, diagnostics } = await loadMappings(['product.yaml'], {
      registry: connectors,
      schemasDir: DEFAULT_SCHEMAS_DIR,
      cwd: MAPPINGS,
    });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    product = mappings.find((m) => m.name === 'product')!;
  });
  const check = (source: object, target: object) =>
    runChecks(product.checks!, 'product', { source_settings: source, target_settings: target });

  it('passes with the shipped table, the standard chart and a Norwegian shop', async () => {
    expect(await check(shop(), client())).toEqual([]);
  });

  it('names the tax class without an account and the account whose rate differs from the shop', async () => {
    const problems = await check(
      shop({ tax_rates: { '': 25, 'reduced-rate': 15, 'zero-rate': 0, 'low-rate': 12 } }),
      client({ sales_account_of_tax_class: { '': 3000, 'reduced-rate': 3020 } }),
    );
    const at = problems.map((p) => `${p.code} ${p.message}`);
    expect(at).toEqual([
      expect.stringMatching(
        /^CONFIG_MISMATCH .*product\.yaml:\d+:\d+: mapping "product", check "tax-class-accounts": tax class "zero-rate" \(Nullsats, 0 % in the shop\) has no sales account in the option sales_accounts of mapsync\.yaml$/,
      ),
      expect.stringMatching(
        /check "sales-account-rates": tax class "reduced-rate" is 15 % in the shop, but its sales account 3020 has VAT code 33 at 12 % in PowerOffice Go$/,
      ),
    ]);
  });

  it('names an account the client does not have, and the untaxed account', async () => {
    const accounts = client().sales_accounts as Record<string, unknown>;
    const { '3100': _gone, ...without } = accounts;
    const problems = await check(shop(), client({ sales_accounts: without }));
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('sales account 3100 of tax class "zero-rate" does not exist in PowerOffice Go'),
      expect.stringContaining(
        'sales account 3100 of products the shop does not tax (variable untaxed_sales_account) does not exist in PowerOffice Go',
      ),
    ]);
  });

  it('a stand-in without run settings (the memory connector) has nothing to check', async () => {
    expect(await check({}, {})).toEqual([]);
  });

  it('a shop without taxes needs no account per class, only existing accounts', async () => {
    expect(
      await check(shop({ calc_taxes: false }), client({ sales_account_of_tax_class: { '': 3000 } })),
    ).toEqual([]);
  });
});

describe('the shipped sales order mapping', () => {
  it("stops when the shop's currency is not active in PowerOffice Go, naming both", async () => {
    const { mappings } = await loadMappings(['.'], {
      registry: connectors,
      schemasDir: DEFAULT_SCHEMAS_DIR,
      cwd: MAPPINGS,
    });
    const order = mappings.find((m) => m.name === 'salesorder')!;
    const check = (currency: string) =>
      runChecks(order.checks!, 'salesorder', {
        source_settings: shop({ currency }),
        target_settings: client(),
      });
    expect(await check('NOK')).toEqual([]);
    expect((await check('SEK')).map((p) => p.message)).toEqual([
      expect.stringMatching(
        /salesorder\.yaml:\d+:\d+: mapping "salesorder", check "shop-currency": the shop's currency SEK \(woocommerce_currency\) is not active on the PowerOffice Go client \(active: EUR, NOK\); activate it in PowerOffice Go$/,
      ),
    ]);
    expect(await runChecks(order.checks!, 'salesorder', {})).toEqual([]);
  });
});

describe('checks in a mapping file', () => {
  const mapping = (checks: string) => `version: 1
name: m
source: { system: woocommerce, entity: customer }
target: { system: poweroffice-go, entity: customer }
variables: { limits: [3, 12, 40] }
checks:
${checks}properties:
  - source: email
    target: EmailAddress
`;
  const load = async (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-checks-'));
    writeFileSync(join(dir, 'm.yaml'), text);
    return loadMappings(['.'], { registry: connectors, schemasDir: DEFAULT_SCHEMAS_DIR, cwd: dir });
  };

  it('reports duplicate names and unknown variables at their lines', async () => {
    const { diagnostics } = await load(
      mapping(`  - name: limit
    condition: $nope < 10
    message: '"x"'
  - name: limit
    condition: 'true'
    message: '"y"'
`),
    );
    expect(
      diagnostics.filter((d) => d.code !== 'MAP_NO_IDENTITY_GUARD').map((d) => [d.code, d.line]),
    ).toEqual([
      ['EXPR_UNKNOWN_VARIABLE', 8],
      ['MAP_CHECK_DUPLICATE', 10],
    ]);
  });

  it('evaluates the condition for each item and lists every mismatch', async () => {
    const { mappings, diagnostics } = await load(
      mapping(`  - name: limit
    each: $limits
    condition: $ < 10
    message: '"limit " & $string($) & " is 10 or more"'
  - name: fine
    condition: 'true'
    message: '"never"'
`),
    );
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const problems = await runChecks(mappings[0]!.checks!, 'm', {});
    expect(problems).toEqual([
      {
        code: 'CONFIG_MISMATCH',
        message: 'm.yaml:7:5: mapping "m", check "limit": limit 12 is 10 or more',
        text: 'limit 12 is 10 or more',
      },
      {
        code: 'CONFIG_MISMATCH',
        message: 'm.yaml:7:5: mapping "m", check "limit": limit 40 is 10 or more',
        text: 'limit 40 is 10 or more',
      },
    ]);
  });
});
