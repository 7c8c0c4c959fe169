/**
 * docs/diagnostics.md documents every code the mapping language can report, and nothing
 * else: codes are collected from the source (string literals, plus the schema codes composed
 * per document kind), so a new code without documentation fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = ['engine/mapping', 'engine/yaml', 'engine/config', 'engine/diagnostics'];
const CODE = /'((?:YAML|MAP|CFG|EXPR|TEST|FILE)_[A-Z0-9_]+)'/g;

function files(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

it('docs/diagnostics.md lists exactly the codes the code base uses', () => {
  const used = new Set<string>();
  // Connector kinds' own file checks (`fileChecks`: PowerOffice `CFG_PAYMENT_ACCOUNT`).
  const connectorChecks = ['engine/connectors/poweroffice-go/payment-table.ts'];
  for (const file of [...SOURCES.flatMap(files), 'engine/cli/commands/test.ts', ...connectorChecks]) {
    for (const match of readFileSync(join(REPO, file), 'utf8').matchAll(CODE)) used.add(match[1]!);
  }
  for (const prefix of ['MAP', 'TEST', 'CFG']) {
    for (const suffix of ['UNKNOWN_KEY', 'MISSING_KEY', 'WRONG_TYPE', 'INVALID_VALUE', 'INVALID_KEY']) {
      used.add(`${prefix}_${suffix}`);
    }
  }
  const documented = new Set(
    [
      ...readFileSync(join(REPO, 'docs/diagnostics.md'), 'utf8').matchAll(
        /`((?:YAML|MAP|CFG|EXPR|TEST|FILE)_[A-Z0-9_]+)`/g,
      ),
    ].map((m) => m[1]!),
  );
  expect([...used].filter((code) => !documented.has(code)).sort(), 'undocumented').toEqual([]);
  expect([...documented].filter((code) => !used.has(code)).sort(), 'documented but unused').toEqual([]);
});
