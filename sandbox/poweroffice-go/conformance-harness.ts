/**
 * The PowerOffice Go side of the shared connector conformance suite: a fresh sandbox per
 * run (enforcing the real 10 requests/second per subscription key unless told otherwise),
 * with customers as the exercised entity. Records inserted through the harness bypass the
 * API (and its log), as the suite expects.
 */
import type { ConformanceHarness, RunningSandbox } from '../../test/conformance/harness.ts';
import { openConnections } from '../common/server.ts';
import { insertRecord } from './admin.ts';
import { startPowerOfficeSandbox } from './index.ts';

const harness: ConformanceHarness = {
  kind: 'poweroffice-go',
  entity: 'customer',
  async start(options = {}): Promise<RunningSandbox> {
    const sandbox = await startPowerOfficeSandbox({
      rateLimit: options.rateLimit ?? 10,
      ...(options.faults ? { faults: options.faults } : {}),
    });
    return {
      config: {
        url: sandbox.url,
        application_key: sandbox.applicationKey,
        client_key: sandbox.clientKey,
        subscription_key: sandbox.subscriptionKey,
        page_size: 10,
      },
      async insert(entity, records) {
        for (const record of records) insertRecord(sandbox.state, entity, record);
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
    Name: `Nordmann Handel ${i} AS`,
    EmailAddress: `post.${i}@nordmann.example.no`,
    ExternalImportReference: `conformance-${i}`,
    MailAddress: { AddressLine1: 'Storgata 1', City: 'Oslo', ZipCode: '0150', CountryCode: 'NO' },
  }),
  change: { path: '/MailAddress/City', value: 'Bergen' },
  // ExternalImportReference is limited to 50 characters.
  invalidRecord: {
    Name: 'Too long reference AS',
    EmailAddress: 'a@b.no',
    ExternalImportReference: 'x'.repeat(51),
  },
  recordsForSeveralPages: 25,
  shortTimeout: { timeout_ms: 1500 },
};

export default harness;
