/**
 * Offsets inside a YAML scalar's value mapped back to the file, for every scalar style. Each
 * case puts a "]" in the value and checks that the mapped position holds that "]".
 */

import { describe, expect, it } from 'vitest';
import { isScalar } from 'yaml';
import { findNode } from '../../engine/yaml/locate.ts';
import { parseYaml } from '../../engine/yaml/parse-source.ts';
import { scalarOffsetMapper } from '../../engine/yaml/scalar-offsets.ts';

function mapped(text: string): { line: number; col: number; at: string } {
  const { source, diagnostics } = parseYaml(text, 'f.yaml');
  expect(diagnostics).toEqual([]);
  const { node } = findNode(source, ['a', 'x']);
  if (!isScalar(node)) throw new Error('not a scalar');
  const offset = scalarOffsetMapper(source, node)(String(node.value).indexOf(']'));
  return { ...source.position(offset), at: text.charAt(offset) };
}

const CASES: Record<string, [string, number, number]> = {
  'literal |': ['a:\n  x: |\n    one\n    two ]\n', 4, 9],
  'literal |- with a blank line': ['a:\n  x: |-\n    one\n\n    two ]\n', 5, 9],
  'literal |+ keeping trailing lines': ['a:\n  x: |+\n    one ]\n\n', 3, 9],
  'literal with an explicit indentation indicator': ['a:\n  x: |2\n      indented\n    two ]\n', 4, 9],
  'literal with a comment on the header line': ['a:\n  x: | # note\n    one ]\n', 3, 9],
  'literal with more-indented lines': ['a:\n  x: |\n    one\n      deeper ]\n', 4, 14],
  'folded >': ['a:\n  x: >\n    one\n    two ]\n', 4, 9],
  'folded >- with a paragraph break': ['a:\n  x: >-\n    one\n\n    two\n    three ]\n', 6, 11],
  'plain on one line': ['a:\n  x: one ] two\n', 2, 10],
  'plain over two lines': ['a:\n  x: one\n    two ]\n', 3, 9],
  'double quoted with escapes': ['a:\n  x: "\\"q\\" \\u00e6\\t ]"\n', 2, 22],
  'double quoted with an escaped line break': ['a:\n  x: "one \\\n    two ]"\n', 3, 9],
  'double quoted over two lines': ['a:\n  x: "one\n    two ]"\n', 3, 9],
  'single quoted with a doubled quote': ["a:\n  x: 'it''s ]'\n", 2, 13],
  'single quoted over lines with an empty line': ["a:\n  x: 'one\n\n    two ]'\n", 4, 9],
  'CRLF line endings': ['a:\r\n  x: |\r\n    one\r\n    two ]\r\n', 4, 9],
  'non-ASCII text before the offset': ['a:\n  x: |\n    blåbær 🫐 ]\n', 3, 15],
};

describe('scalar offset mapping', () => {
  for (const [name, [text, line, col]] of Object.entries(CASES)) {
    it(name, () => {
      expect(mapped(text)).toEqual({ line, col, at: ']' });
    });
  }

  it('offsets past the end map just after the last character', () => {
    const { source } = parseYaml('a:\n  x: |\n    abc\n', 'f.yaml');
    const { node } = findNode(source, ['a', 'x']);
    if (!isScalar(node)) throw new Error('not a scalar');
    expect(source.position(scalarOffsetMapper(source, node)(99))).toEqual({ line: 3, col: 8 });
  });
});
