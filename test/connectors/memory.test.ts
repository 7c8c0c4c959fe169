// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VARIABLE} references are mapsync.yaml syntax under test
/**
 * The memory connector is registered like the vendor kinds: its options are in the
 * generated mapsync.schema.json, its entity schema (kept in its own folder) resolves when a
 * mapping is compiled, the registry builds it from a config, and a real YAML mapping between
 * two memory systems syncs through the engine. (Its conformance: test/conformance.)
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openProject } from '../../engine/compose.ts';
import { connectors } from '../../engine/connectors/index.ts';
import { MEMORY_SYSTEM, type MemoryConnector, MemorySystem } from '../../engine/connectors/memory/index.ts';
import { createRuntime } from '../../engine/runtime.ts';

function project(config: string, mappings: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-memory-'));
  mkdirSync(join(dir, 'mappings'));
  writeFileSync(join(dir, 'mapsync.yaml'), config);
  for (const [name, text] of Object.entries(mappings))
    writeFileSync(join(dir, 'mappings', `${name}.yaml`), text);
  return dir;
}

const CONFIG = `version: 1
systems:
  crm:
    connector: memory
  newsletter:
    connector: memory
    page_size: \${NEWSLETTER_PAGE_SIZE:-2}
store: memory://
mappings: mappings
`;

const CONTACTS = `version: 1
name: contacts
source: { system: crm, entity: contact }
target: { system: newsletter, entity: contact }
direction: two-way
match:
  - { source: email, target: email, normalize: email }
identity: { target: email }
properties:
  - { source: email, target: email }
  - { source: name, target: name }
  - { source: city, target: city }
`;

describe('memory connector', () => {
  it('is registered with its options and entities, and the registry reads its config', async () => {
    const kind = connectors.get('memory')!;
    expect(Object.keys(kind.entities)).toEqual(['contact']);
    expect(kind.entities.contact!.schema).toMatch(
      /^file:.*\/engine\/connectors\/memory\/contact\.schema\.json$/,
    );
    const fresh = (await kind.create(
      { connector: 'memory', page_size: '7' },
      createRuntime(),
    )) as MemoryConnector;
    expect(fresh.system.pageSize).toBe(7);
    const system = new MemorySystem({ entities: { thing: {} } });
    const handed = (await kind.create({ [MEMORY_SYSTEM]: system }, createRuntime())) as MemoryConnector;
    expect(handed.system).toBe(system);
    await expect(kind.create({ page_size: 0, pages: 3 }, createRuntime())).rejects.toThrow(
      /memory connector config: .*unknown option "pages".*"page_size" must be an integer from 1 to 1000/,
    );
  });

  it('validates a mapping against its entity schema and syncs it through the engine', async () => {
    const dir = project(CONFIG, { contacts: CONTACTS });
    const opened = await openProject({
      configPath: join(dir, 'mapsync.yaml'),
      env: {},
      cwd: dir,
      registry: connectors,
    });
    try {
      const crm = (opened.connectors.get('crm') as MemoryConnector).system;
      const newsletter = (opened.connectors.get('newsletter') as MemoryConnector).system;
      expect(newsletter.pageSize).toBe(2);
      crm.seed('contact', [
        { email: 'kari@example.no', name: 'Kari', city: 'Oslo' },
        { email: 'ola@example.no', name: 'Ola', city: 'Bergen' },
        { email: 'ingrid@example.no', name: 'Ingrid', city: 'Tromsø' },
      ]);
      expect((await opened.engine.run()).ok).toBe(true);
      expect(
        newsletter
          .all('contact')
          .map((c) => c.name)
          .sort(),
      ).toEqual(['Ingrid', 'Kari', 'Ola']);
      const kari = newsletter.all('contact').find((c) => c.name === 'Kari')!;
      newsletter.edit('contact', String(kari.id), (c) => {
        c.city = 'Trondheim';
      });
      expect((await opened.engine.run()).ok).toBe(true);
      expect(crm.all('contact').find((c) => c.name === 'Kari')!.city).toBe('Trondheim');
    } finally {
      await opened.close();
    }
  });

  it('reports a path its entity schema does not have, and options the generated schema refuses', async () => {
    const dir = project(CONFIG.replace('${NEWSLETTER_PAGE_SIZE:-2}', '5000'), {
      contacts: CONTACTS.replace('source: city, target: city', 'source: city, target: town'),
    });
    await expect(
      openProject({ configPath: join(dir, 'mapsync.yaml'), env: {}, cwd: dir, registry: connectors }),
    ).rejects.toThrow(
      /mapsync\.yaml:7:\d+ error CFG_INVALID_VALUE[\s\S]*contacts\.yaml:\d+:\d+ error MAP_\w+ .*town/,
    );
  });
});
