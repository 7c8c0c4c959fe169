/**
 * The entities of a registered memory system (contacts, found by e-mail) and the config key
 * a test hands its own system under. Shared by the spec (index.ts) and its conformance
 * harness, which the spec loads lazily (so neither imports the other).
 */
import type { EntityRecord } from '../types.ts';
import type { MemoryEntity } from './system.ts';

/** Config key (a Symbol) of the in-process system a memory connector works on. */
export const MEMORY_SYSTEM = Symbol('mapsync.memory.system');

/** The entities of a registered memory system: contacts, found by e-mail. */
export const contactEntities: Readonly<Record<string, MemoryEntity>> = {
  contact: {
    schema: new URL('./contact.schema.json', import.meta.url).href,
    guardFields: ['email'],
    invalid: (r: EntityRecord) =>
      typeof r.email === 'string' && r.email.includes('@') ? undefined : '/email must be an e-mail address',
  },
};
