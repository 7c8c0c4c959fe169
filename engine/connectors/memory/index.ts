/**
 * The memory connector kind: a system that lives in this process, for tests and benches
 * (and the example docs/connectors.md follows). It is a connector like the others — one
 * spec, one registry line, the shared conformance suite — so the engine's tests run the
 * seam the vendor connectors use. Registered, `connector: memory` in a mapsync.yaml gets a
 * fresh, empty system of `contact` records that is gone when the process ends.
 *
 * A test hands the connector an existing {@link MemorySystem} (to seed it, edit it, inject
 * failures, read what was sent; see system.ts) under the {@link MEMORY_SYSTEM} Symbol key of
 * the config: no YAML can write it, and the options reader passes it through untouched.
 */
import { defineConnector } from '../spec.ts';
import { contactEntities, MEMORY_SYSTEM } from './contacts.ts';
import { MemorySystem } from './system.ts';

export type { MemoryConnector } from './connector.ts';
export { contactEntities, MEMORY_SYSTEM } from './contacts.ts';
export { type MemoryEntity, MemorySystem, type MemorySystemOptions } from './system.ts';

export const memory = defineConnector({
  kind: 'memory',
  title: 'In-memory system',
  description:
    'A system held in this process, for tests and trying mappings (contacts; gone when the process ends)',
  options: {
    type: 'object',
    properties: {
      page_size: {
        type: 'integer',
        minimum: 1,
        maximum: 1000,
        title: 'Page size',
        description: "Records per listed page, 1–1000 (default: the system's, 50).",
        examples: [50],
      },
    },
  },
  entities: new MemorySystem({ entities: contactEntities }).entities,
  async create(options) {
    const given = (options as { [MEMORY_SYSTEM]?: MemorySystem })[MEMORY_SYSTEM];
    const system = given ?? new MemorySystem({ entities: contactEntities });
    if (options.page_size !== undefined) system.pageSize = options.page_size;
    const { MemoryConnector } = await import('./connector.ts');
    return new MemoryConnector(system);
  },
  conformance: () => import('./conformance-harness.ts'),
});
