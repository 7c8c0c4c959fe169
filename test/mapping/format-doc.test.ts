/**
 * docs/mapping-format.md documents every helper function and every key of the mapping
 * schema, and the complete mapping examples of the docs validate, so the reference cannot
 * fall behind the code.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { helpers } from '../../engine/mapping/functions/index.ts';
import { loadMappings } from '../../engine/mapping/load.ts';
import { DEFAULT_SCHEMAS_DIR } from '../../engine/mapping/project.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(REPO, 'docs/mapping-format.md'), 'utf8');

it('documents every helper function', () => {
  for (const name of Object.keys(helpers)) expect(doc, name).toContain(`| \`$${name}(`);
});

it('documents every key of a mapping file', () => {
  const schema = JSON.parse(readFileSync(join(REPO, 'schemas/mapping.schema.json'), 'utf8')) as {
    properties: Record<string, unknown>;
    definitions: {
      property: { properties: Record<string, unknown> };
      targetSide: { properties: Record<string, unknown> };
    };
  };
  const keys = [
    ...Object.keys(schema.properties),
    ...Object.keys(schema.definitions.property.properties),
    ...Object.keys(schema.definitions.targetSide.properties),
  ];
  for (const key of keys) expect(doc, key).toMatch(new RegExp(`\`(target\\.)?${key}\``));
});

it('the complete mapping examples in the docs validate', async () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const examples = [
    ...`${doc}\n${readme}`.matchAll(
      /```yaml\n(# yaml-language-server: \$schema=\.\.\/schemas\/mapping\.schema\.json\n[\s\S]*?)```/g,
    ),
  ]
    .map((m) => m[1]!)
    .filter((example) => /^name: /m.test(example));
  expect(examples.length).toBe(2);
  for (const example of examples) {
    const name = /^name: (\S+)/m.exec(example)![1]!;
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-doc-example-'));
    writeFileSync(join(dir, `${name}.yaml`), example);
    const { diagnostics } = await loadMappings(['.'], {
      registry: connectors,
      schemasDir: DEFAULT_SCHEMAS_DIR,
      cwd: dir,
    });
    expect(
      diagnostics.filter((d) => d.severity === 'error'),
      name,
    ).toEqual([]);
  }
});
