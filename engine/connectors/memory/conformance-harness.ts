/**
 * The memory kind's side of the shared conformance suite (test/conformance): each run gets
 * a fresh {@link MemorySystem} of contacts, handed to the connector under the
 * MEMORY_SYSTEM config key. Its request log is the system's own (`requests`). The checks of
 * transport behaviour have nothing to act on in-process and are waived, each with why.
 */
import type { ConformanceHarness, RunningSandbox } from '../../../test/conformance/harness.ts';
import { contactEntities, MEMORY_SYSTEM } from './contacts.ts';
import { MemorySystem } from './system.ts';

const harness: ConformanceHarness = {
  kind: 'memory',
  entity: 'contact',
  async start(options = {}): Promise<RunningSandbox> {
    if (options.rateLimit !== undefined || options.faults) {
      throw new Error('the memory system has no transport to limit or fault (these checks are waived)');
    }
    const system = new MemorySystem({ entities: contactEntities });
    return {
      config: { page_size: 10, [MEMORY_SYSTEM]: system },
      async insert(entity, records) {
        system.seed(entity, records);
      },
      async requests(mark = 0) {
        return system.requests.filter((r) => r.seq > mark);
      },
      async mark() {
        return system.requests.length;
      },
      async setFaults() {
        throw new Error('the memory system has no transport to fault');
      },
      async close() {},
    };
  },
  newRecord: (i) => ({ email: `conformance.${i}@example.no`, name: `Kari ${i}`, city: 'Oslo' }),
  change: { path: '/city', value: 'Bergen' },
  invalidRecord: { email: 'not-an-email' },
  recordsForSeveralPages: 25,
  waivers: {
    'rate-limit-backoff':
      'an in-process system has no rate limit and answers at once: there is nothing to back off from.',
    'token-renewal': 'the memory system has no credentials, so no token to renew.',
    'releases-connections': 'an in-process system: no connection to open or to release.',
    'timeouts-and-resets':
      'calls are function calls in this process: no connection to reset, no request to time out (injected failures: MemorySystem.failNext).',
  },
};

export default harness;
