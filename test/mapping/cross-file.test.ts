/**
 * Problems that only show with several mapping files together, reported at the line that
 * names the offending thing: overlapping writers, unknown mappings, cycles, parents that do
 * not fit, links between the wrong systems.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFixtures, FIXTURES } from './helpers.ts';

type Expected = [file: string, code: string, line: number, col: number, token: string];

const CASES: Record<string, Expected[]> = {
  'duplicate-target': [['person.yaml', 'MAP_DUPLICATE_TARGET', 12, 13, 'EmailAddress']],
  'disjoint-where': [],
  'unknown-mapping': [
    ['order.yaml', 'MAP_UNKNOWN_MAPPING', 8, 3, 'customre'],
    ['order.yaml', 'MAP_UNKNOWN_MAPPING', 13, 17, '"customers"'],
  ],
  cycle: [
    ['a.yaml', 'MAP_DEPENDENCY_CYCLE', 9, 13, "'b'"],
    ['b.yaml', 'MAP_DEPENDENCY_CYCLE', 8, 22, "'a'"],
    ['c.yaml', 'MAP_DEPENDENCY_CYCLE', 9, 22, "'c'"],
  ],
  'parent-problems': [
    ['lines.yaml', 'MAP_PARENT_MISMATCH', 7, 9, 'customer'],
    ['orphans.yaml', 'MAP_UNKNOWN_MAPPING', 7, 9, 'ordr'],
  ],
  'link-mismatch': [['order.yaml', 'MAP_LINK_SYSTEM_MISMATCH', 10, 13, "'back'"]],
};

describe('cross-file checks', () => {
  for (const [folder, expected] of Object.entries(CASES)) {
    it(folder, async () => {
      const { diagnostics } = await checkFixtures(`cross/${folder}`);
      expect(diagnostics.map((d) => [d.file, d.code, d.line, d.col])).toEqual(
        expected.map(([file, code, line, col]) => [`cross/${folder}/${file}`, code, line, col]),
      );
      for (const [file, , line, col, token] of expected) {
        const text = readFileSync(join(FIXTURES, 'cross', folder, file), 'utf8').split('\n')[line - 1]!;
        expect(text.slice(col - 1, col - 1 + token.length)).toBe(token);
      }
    });
  }

  it('names the other file and line of a duplicate writer, and suggests names', async () => {
    const duplicate = await checkFixtures('cross/duplicate-target');
    expect(duplicate.diagnostics[0]?.message).toContain(
      '"everyone" (cross/duplicate-target/everyone.yaml:11)',
    );
    const unknown = await checkFixtures('cross/unknown-mapping');
    expect(unknown.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('did you mean "customer"'),
      expect.stringContaining('did you mean "customer"'),
    ]);
  });

  it('describes a cycle as a path', async () => {
    const { diagnostics } = await checkFixtures('cross/cycle');
    expect(diagnostics.map((d) => d.message)).toEqual([
      'dependency cycle: a → b → a',
      'dependency cycle: a → b → a',
      'dependency cycle: c → c',
    ]);
  });
});
