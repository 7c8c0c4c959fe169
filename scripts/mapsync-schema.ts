/**
 * `npm run schema`: writes schemas/mapsync.schema.json from its hand-written source
 * (schemas/mapsync.base.schema.json) and the registered connector specs, formatted as the
 * repo's formatter wants. `npm run schema -- --check` only says whether the committed file
 * is current (exit 1 when stale); test/mapping/config.test.ts checks the same.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { mapsyncSchema } from '../engine/connectors/config-schema.ts';
import { connectors } from '../engine/connectors/index.ts';

const base = new URL('../schemas/mapsync.base.schema.json', import.meta.url);
const target = new URL('../schemas/mapsync.schema.json', import.meta.url);
const generated = mapsyncSchema(JSON.parse(readFileSync(base, 'utf8')), connectors);
const committed: unknown = JSON.parse(readFileSync(target, 'utf8'));

if (process.argv.includes('--check')) {
  if (isDeepStrictEqual(committed, generated)) {
    console.log('schemas/mapsync.schema.json is current');
  } else {
    console.error('schemas/mapsync.schema.json is stale: run `npm run schema` and commit it');
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, `${JSON.stringify(generated, null, 2)}\n`);
  const biome = new URL('../node_modules/.bin/biome', import.meta.url).pathname;
  execFileSync(biome, ['format', '--write', target.pathname], { stdio: 'ignore' });
  console.log(`wrote schemas/mapsync.schema.json (${connectors.kinds().join(', ')})`);
}
