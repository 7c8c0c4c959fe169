/**
 * `$source_settings` / `$target_settings` at validate time: a name the side's connector kind
 * does not declare is MAP_UNKNOWN_SETTING at its line and column (with a hint), and the
 * variable of a side whose kind offers no run settings is an unknown variable.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { checkFiles } from '../../engine/mapping/check-files.ts';

const schemasDir = fileURLToPath(new URL('../../schemas/', import.meta.url));

async function check(mapping: string) {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-settings-'));
  writeFileSync(join(dir, 'product.yaml'), mapping);
  const { diagnostics } = await checkFiles(['.'], { registry: connectors, schemasDir, cwd: dir });
  return diagnostics.map((d) => [d.code, d.line, d.col, d.message]);
}

const mapping = (expression: string, source = 'woocommerce') => `version: 1
name: product
source: { system: ${source}, entity: product }
target: { system: poweroffice-go, entity: product }
direction: one-way
identity: { target: Code }
properties:
  - { source: sku, target: Code }
  - target: UnitPrice
    to_target: |
      ${expression}
`;

it('accepts the declared settings of both sides', async () => {
  expect(
    await check(
      mapping(
        '$net(regular_price, $source_settings.prices_include_tax ? $lookup($source_settings.tax_rates, tax_class) : 0, $source_settings.price_decimals) + $count($keys($target_settings.sales_accounts)) * 0',
      ),
    ),
  ).toEqual([]);
});

it('names a misspelt setting where it is written, with the closest name', async () => {
  const found = await check(mapping('$net(regular_price, $source_settings.prices_include_taxes ? 25 : 0)'));
  expect(found).toEqual([
    [
      'MAP_UNKNOWN_SETTING',
      11,
      44,
      expect.stringContaining(
        'woocommerce has no run setting "prices_include_taxes" (did you mean "prices_include_tax"?); $source_settings offers: calc_taxes,',
      ),
    ],
  ]);
});

it('a side whose connector offers no run settings has no settings variable', async () => {
  const found = await check(
    mapping('$source_settings.prices_include_tax ? 1 : 0').replace('system: woocommerce', 'system: memory'),
  );
  expect(found.map((d) => d[0])).toContain('EXPR_UNKNOWN_VARIABLE');
});
