/**
 * The default registry with every built-in connector. Import `connectors` from here;
 * tests that need a custom set build their own `ConnectorRegistry`.
 */
import { memory } from './memory/index.ts';
import { powerofficeGo } from './poweroffice-go/index.ts';
import { ConnectorRegistry } from './registry.ts';
import { woocommerce } from './woocommerce/index.ts';

export const connectors = new ConnectorRegistry();
// Built-in connectors register here, one line each:
connectors.add(woocommerce);
connectors.add(powerofficeGo);
connectors.add(memory);
