/**
 * The WooCommerce (wc/v3) connector kind: config keys, secrets, entities and the factory.
 * See docs/woocommerce.md for how it authenticates, lists, writes and verifies webhooks.
 */
import type { ConnectorFactory } from '../types.ts';
import { OPTION_KEYS, resolveConfig } from './config.ts';
import { WooCommerceConnector } from './connector.ts';
import { entities } from './entities.ts';

export const woocommerce: ConnectorFactory = {
  kind: 'woocommerce',
  description: 'WooCommerce shop through its REST API wc/v3 (customers, orders, products; webhooks)',
  options: OPTION_KEYS,
  secretKeys: ['consumer_key', 'consumer_secret', 'webhook_secret'],
  entities,
  create(config, runtime) {
    return new WooCommerceConnector(resolveConfig(config), runtime);
  },
};
