/**
 * The WooCommerce (wc/v3) connector kind: its spec (options, entities, factory, sandbox).
 * See docs/woocommerce.md for how it authenticates, lists, writes and verifies webhooks.
 *
 * Declarations only: the connector (HTTP client, OAuth, listing…) is imported by `create`.
 */
import { defineConnector } from '../spec.ts';
import { check, options, resolve } from './config.ts';
import { entities } from './entities.ts';
import { addNoteOperation, setMetaOperation } from './order-operations.ts';

/** What a mapping may read as `$source_settings.<name>` (read by tax-settings.ts, once per run). */
const runSettings = {
  calc_taxes: 'Whether the shop calculates taxes at all (woocommerce_calc_taxes).',
  prices_include_tax:
    'Whether prices are entered including tax (woocommerce_prices_include_tax; false while taxes are off, as WooCommerce reads it).',
  tax_round_at_subtotal:
    'Whether tax is rounded at subtotal instead of per line (woocommerce_tax_round_at_subtotal).',
  price_decimals: 'The number of decimals of prices (woocommerce_price_num_decimals).',
  currency: "The shop's currency code (woocommerce_currency).",
  tax_classes: 'The tax classes as [{slug, name}], slug "" for the standard class (as products spell it).',
  tax_rates:
    'Tax class slug ("" = standard) → the rate in percent for the shop\'s base address, as WooCommerce takes it out of a price entered with tax.',
} as const;

export const woocommerce = defineConnector({
  kind: 'woocommerce',
  title: 'WooCommerce shop',
  description: 'WooCommerce shop through its REST API wc/v3 (customers, orders, products; webhooks)',
  options,
  check,
  entities,
  runSettings,
  operations: { 'set-meta': setMetaOperation, 'add-note': addNoteOperation },
  create: async (o, runtime) => {
    const { WooCommerceConnector } = await import('./connector.ts');
    return new WooCommerceConnector(resolve(o), runtime);
  },
  devSandbox: () => import('../../../sandbox/woocommerce/dev-sandbox.ts').then((m) => m.devSandbox),
  conformance: () => import('../../../sandbox/woocommerce/conformance-harness.ts'),
});
