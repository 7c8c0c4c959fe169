/**
 * The WooCommerce side of the shared connector conformance suite: a fresh sandbox per
 * run, reached over plain HTTP with OAuth 1.0a (the connector's `auto` mode), so every
 * check also exercises per-attempt signing (a retried request must carry a new nonce).
 */
import type { ConformanceHarness, RunningSandbox } from '../../test/conformance/harness.ts';
import { openConnections } from '../common/server.ts';
import { insertRecords, resourceOf } from './admin.ts';
import { startWooCommerceSandbox } from './index.ts';

const harness: ConformanceHarness = {
  kind: 'woocommerce',
  entity: 'customer',
  async start(options = {}): Promise<RunningSandbox> {
    const sandbox = await startWooCommerceSandbox({
      ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
      ...(options.faults ? { faults: options.faults } : {}),
    });
    return {
      config: {
        url: sandbox.url,
        consumer_key: sandbox.consumerKey,
        consumer_secret: sandbox.consumerSecret,
        webhook_secret: sandbox.webhookSecret,
        auth: 'auto',
        page_size: 10,
      },
      async insert(entity, records) {
        insertRecords(sandbox.state, resourceOf(entity), records);
      },
      async requests(mark) {
        return sandbox.log.list(mark);
      },
      async mark() {
        return sandbox.log.mark();
      },
      async setFaults(config) {
        sandbox.faults.configure(config);
      },
      openConnections: () => openConnections(sandbox.app),
      close: () => sandbox.close(),
    };
  },
  newRecord: (i) => ({
    email: `conformance.${i}@example.no`,
    first_name: `Kari ${i}`,
    last_name: 'Nordmann',
    billing: { city: 'Oslo', country: 'NO' },
  }),
  change: { path: '/billing/city', value: 'Bergen' },
  invalidRecord: { email: 'not-an-email' },
  recordsForSeveralPages: 25,
  waivers: {
    'token-renewal':
      'WooCommerce REST API keys are static (Basic, query-string keys or OAuth 1.0a one-legged signatures): there is no token to renew.',
  },
};

export default harness;
