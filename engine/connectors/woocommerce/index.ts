/**
 * The WooCommerce (wc/v3) connector kind: its spec (options, entities, factory, sandbox).
 * See docs/woocommerce.md for how it authenticates, lists, writes and verifies webhooks.
 */
import { defineConnector } from '../spec.ts';
import { check, options, resolve } from './config.ts';
import { WooCommerceConnector } from './connector.ts';
import { entities } from './entities.ts';
import { addNoteOperation, setMetaOperation } from './order-operations.ts';
import { WOO_RUN_SETTINGS } from './tax-settings.ts';

export const woocommerce = defineConnector({
  kind: 'woocommerce',
  title: 'WooCommerce shop',
  description: 'WooCommerce shop through its REST API wc/v3 (customers, orders, products; webhooks)',
  options,
  check,
  entities,
  runSettings: WOO_RUN_SETTINGS,
  operations: { 'set-meta': setMetaOperation, 'add-note': addNoteOperation },
  create: (o, runtime) => new WooCommerceConnector(resolve(o), runtime),
  devSandbox: () => import('../../../sandbox/woocommerce/dev-sandbox.ts').then((m) => m.devSandbox),
  conformance: () => import('../../../sandbox/woocommerce/conformance-harness.ts'),
});
