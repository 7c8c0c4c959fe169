/**
 * Helpers for mapping tests: check fixture files (or files written on the fly into a temp
 * folder) with the fixture registry, and reduce diagnostics to what tests assert on: code,
 * line, column (never message text, except for "did you mean" hints).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../engine/diagnostics/diagnostic.ts';
import { type CheckedFiles, checkFiles } from '../../engine/mapping/check-files.ts';
import { fixtureRegistry, fixtureSchemasDir } from './fixtures/registry.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const schemasDir = fixtureSchemasDir();
export const registry = fixtureRegistry();

/** Check paths relative to the fixtures folder; diagnostics name files relative to it. */
export function checkFixtures(...paths: string[]): Promise<CheckedFiles> {
  return checkFiles(paths, { registry, schemasDir, cwd: FIXTURES });
}

/** Write `files` (name → text or bytes) into a fresh temp folder and check it. */
export async function checkWritten(
  files: Record<string, string | Uint8Array>,
): Promise<CheckedFiles & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-mapping-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return { ...(await checkFiles(['.'], { registry, schemasDir, cwd: dir })), dir };
}

/**
 * `probe.yaml`: a one-way shop customer → erp customer mapping whose FirstName is computed by
 * `expression` (on line 9, column 7), followed by `more` (further property items).
 */
export function probeMapping(expression: string, more = ''): string {
  return `version: 1
name: probe
source: { system: shop, entity: customer }
target: { system: erp, entity: customer }
create: { in_target: false }
properties:
  - target: FirstName
    to_target: |
      ${expression}
${more}`;
}

/** `[code, line, col]` triples, in diagnostic order. */
export const where = (list: readonly Diagnostic[]): [string, number, number][] =>
  list.map((d) => [d.code, d.line, d.col]);

/** Diagnostics of one file. */
export const inFile = (list: readonly Diagnostic[], file: string): Diagnostic[] =>
  list.filter((d) => d.file === file);
