/**
 * The PowerOffice Go (v2 API) connector kind: config keys, secrets, entities and the
 * factory. See docs/poweroffice-go.md for authentication, the shared rate limit, listing
 * with cursors, JSON Patch writes and error mapping.
 */
import type { ConnectorFactory } from '../types.ts';
import { OPTION_KEYS, resolveConfig } from './config.ts';
import { PowerOfficeGoConnector } from './connector.ts';
import { entities } from './entities.ts';

export const powerofficeGo: ConnectorFactory = {
  kind: 'poweroffice-go',
  description: 'PowerOffice Go accounting through its v2 API (customers, products, sales orders and lines)',
  options: OPTION_KEYS,
  secretKeys: ['application_key', 'client_key', 'subscription_key'],
  entities,
  create(config, runtime) {
    return new PowerOfficeGoConnector(resolveConfig(config), runtime);
  },
};
