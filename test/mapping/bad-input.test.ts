/**
 * Every kind of bad input the issue lists, one fixture file each (under fixtures/bad/, the
 * first line says what is wrong), checked alone: exactly these codes at exactly these
 * positions, and the text at each position starts with the offending token, so a position
 * cannot be right by accident.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFixtures, checkWritten, FIXTURES, where } from './helpers.ts';

type Expected = [code: string, line: number, col: number, token: string];

const CASES: Record<string, Expected[]> = {
  'yaml-syntax.yaml': [['YAML_SYNTAX', 19, 5, 'target']],
  'tab.yaml': [
    ['YAML_TAB', 19, 1, '\ttarget'],
    ['YAML_DUPLICATE_KEY', 19, 2, 'target'],
  ],
  'duplicate-key.yaml': [['YAML_DUPLICATE_KEY', 18, 1, 'name: duplicate-key']],
  'multiple-docs.yaml': [['YAML_MULTIPLE_DOCUMENTS', 18, 1, '---']],
  'empty.yaml': [['FILE_EMPTY', 0, 0, '']],
  'comment-only.yaml': [['FILE_EMPTY', 0, 0, '']],
  'unknown-key.yaml': [
    ['MAP_UNKNOWN_KEY', 10, 1, 'directoin'],
    ['MAP_UNKNOWN_KEY', 20, 5, 'to_targt'],
  ],
  'wrong-type.yaml': [
    ['MAP_WRONG_TYPE', 10, 12, '2'],
    ['MAP_WRONG_TYPE', 12, 14, '"yes"'],
    ['MAP_WRONG_TYPE', 13, 9, '5'],
    ['MAP_INVALID_VALUE', 14, 15, '2'],
  ],
  'unknown-system.yaml': [['MAP_UNKNOWN_SYSTEM', 5, 11, 'shopp']],
  'unknown-entity.yaml': [
    ['MAP_UNKNOWN_ENTITY', 6, 11, 'customers'],
    ['MAP_UNKNOWN_ENTITY', 9, 11, 'customers'],
  ],
  'unknown-property.yaml': [
    ['MAP_UNKNOWN_PROPERTY', 19, 13, 'EmailAdress'],
    ['MAP_UNKNOWN_PROPERTY', 20, 13, 'billing.cty'],
  ],
  'read-only.yaml': [
    ['MAP_READ_ONLY_TARGET', 17, 13, 'SalesOrderNo'],
    ['MAP_READ_ONLY_TARGET', 18, 13, 'NetAmount'],
  ],
  'read-only-source.yaml': [
    ['MAP_READ_ONLY_SOURCE', 14, 13, 'id'],
    ['MAP_TYPE_MISMATCH', 14, 13, 'id'],
  ],
  'type-mismatch.yaml': [['MAP_TYPE_MISMATCH', 18, 13, 'age']],
  'to-source-missing.yaml': [['MAP_TO_SOURCE_MISSING', 20, 16, 'both']],
  'fanout-without-parent.yaml': [
    ['MAP_FANOUT_WITHOUT_PARENT', 9, 11, 'salesorderline'],
    ['MAP_FANOUT_WITHOUT_PARENT', 12, 1, 'each'],
  ],
  'expr-syntax-literal.yaml': [['EXPR_SYNTAX', 19, 22, ']']],
  'expr-syntax-folded.yaml': [['EXPR_SYNTAX', 16, 13, ')']],
  'expr-syntax-plain.yaml': [['EXPR_SYNTAX', 18, 18, ']']],
  'expr-syntax-quoted.yaml': [
    ['EXPR_SYNTAX', 17, 43, ']'],
    ['EXPR_SYNTAX', 19, 37, ')'],
  ],
  'unknown-function.yaml': [
    ['EXPR_UNKNOWN_FUNCTION', 19, 15, '$lenght'],
    ['EXPR_UNKNOWN_FUNCTION', 19, 54, '$trimm'],
  ],
  'unknown-variable.yaml': [['EXPR_UNKNOWN_VARIABLE', 18, 7, '$prefx']],
  'hazard-colon.yaml': [['EXPR_PLAIN_SCALAR_HAZARD', 17, 40, ': "unknown"']],
  'hazard-hash.yaml': [
    ['EXPR_PLAIN_SCALAR_HAZARD', 17, 31, '#1'],
    ['EXPR_PLAIN_SCALAR_HAZARD', 19, 16, '{"a"'],
  ],
  'name-mismatch.yaml': [['MAP_NAME_MISMATCH', 3, 7, 'something-else']],
  'direction-conflict.yaml': [
    ['MAP_DIRECTION_CONFLICT', 12, 14, 'true'],
    ['MAP_DIRECTION_CONFLICT', 21, 16, 'both'],
  ],
  'where-invalid.yaml': [
    ['MAP_INVALID_VALUE', 11, 11, 'Persn'],
    ['MAP_UNKNOWN_PROPERTY', 12, 5, 'IsPersn'],
    ['MAP_READ_ONLY_TARGET', 13, 5, 'Id'],
    ['MAP_DUPLICATE_PROPERTY', 21, 13, 'Kind'],
  ],
  'link-not-literal.yaml': [
    ['EXPR_LINK_NOT_ALLOWED', 13, 3, "$link('link-not-literal'"],
    ['EXPR_LINK_NAME_NOT_LITERAL', 22, 7, '$link($other'],
  ],
};

const textAt = (file: string, line: number, col: number, length: number): string =>
  line === 0
    ? ''
    : (readFileSync(join(FIXTURES, 'bad', file), 'utf8').split('\n')[line - 1] ?? '').slice(
        col - 1,
        col - 1 + length,
      );

describe('bad input is reported with a stable code at the exact position', () => {
  for (const [file, expected] of Object.entries(CASES)) {
    it(file, async () => {
      const { diagnostics } = await checkFixtures(`bad/${file}`);
      expect(where(diagnostics)).toEqual(expected.map(([code, line, col]) => [code, line, col]));
      for (const [, line, col, token] of expected) expect(textAt(file, line, col, token.length)).toBe(token);
    });
  }

  it('covers every fixture file', async () => {
    expect(readdirSync(join(FIXTURES, 'bad')).sort()).toEqual(Object.keys(CASES).sort());
  });

  it('gives "did you mean" hints for typos', async () => {
    const messages = async (file: string) =>
      (await checkFixtures(`bad/${file}`)).diagnostics.map((d) => d.message);
    expect(await messages('unknown-property.yaml')).toEqual([
      expect.stringContaining('did you mean "EmailAddress"'),
      expect.stringContaining('did you mean "city"'),
    ]);
    expect((await messages('unknown-key.yaml'))[0]).toContain('did you mean "direction"');
    expect((await messages('unknown-system.yaml'))[0]).toContain('did you mean "shop"');
    expect((await messages('unknown-function.yaml'))[0]).toContain('did you mean "$length"');
  });

  it('reports every file of a folder at once, sorted by file, line and column', async () => {
    const { diagnostics } = await checkFixtures('bad');
    const files = new Set(diagnostics.map((d) => d.file));
    for (const file of Object.keys(CASES)) expect(files.has(`bad/${file}`)).toBe(true);
    const keys = diagnostics.map((d) => [d.file, d.line, d.col] as const);
    const sorted = [...keys].sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1] || a[2] - b[2]);
    expect(keys).toEqual(sorted);
  });
});

describe('files that cannot be read as text', () => {
  it('a file that is not UTF-8 points at the first bad byte', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('version: 1\nname: x\n# bl'),
      Buffer.from([0xe5]),
      Buffer.from('b\n'),
    ]);
    const { diagnostics } = await checkWritten({ 'x.yaml': latin1 });
    expect(where(diagnostics)).toEqual([['FILE_NOT_UTF8', 3, 5]]);
  });

  it('a file over 1 MB is refused without being parsed', async () => {
    const big = `version: 1\n${'# padding padding padding padding\n'.repeat(40_000)}`;
    const { diagnostics } = await checkWritten({ 'big.yaml': big });
    expect(where(diagnostics)).toEqual([['FILE_TOO_LARGE', 0, 0]]);
  });

  it('a path that does not exist', async () => {
    const { diagnostics } = await checkFixtures('no-such-folder');
    expect(where(diagnostics)).toEqual([['FILE_NOT_FOUND', 0, 0]]);
  });

  it('a UTF-8 byte order mark is accepted', async () => {
    const text = readFileSync(join(FIXTURES, 'good', 'customer.yaml'));
    const { diagnostics } = await checkWritten({
      'customer.yaml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]),
    });
    expect(diagnostics).toEqual([]);
  });
});

describe('malformed structures', () => {
  it('give diagnostics, never exceptions, whatever the shape', async () => {
    const { diagnostics } = await checkWritten({
      'list.yaml': '- a\n- b\n',
      'scalar.yaml': 'hello\n',
      'weird.yaml':
        'version: 1\nname: weird\nsource: 5\ntarget: [1]\nproperties: [1, null, {target: 5}, {source: {a: 1}, target: x}]\n' +
        'match: 7\nidentity: x\nwhen: 5\nkey: $x\nparent: 7\ndependencies: [1]\nvariables: 5\ndelete: {to_target: 7}\ncreate: 5\n',
      'weird2.yaml':
        'version: 1\nname: weird2\nsource: {system: shop, entity: customer}\ntarget: {system: erp, entity: customer, where: [1], locked_when: 5}\n' +
        'properties:\n  - {source: 5, target: EmailAddress, to_target: 7, to_source: [1]}\n  - {target: MailAddress.City.Foo}\n' +
        "match: [{source: 1, target: 2}, 5]\ndependencies: {x: 5}\nvariables: {'bad name': 1}\n",
      'laughs.yaml':
        'a: &x [1]\nb: &y [*x,*x,*x,*x,*x,*x,*x,*x,*x]\nc: &z [*y,*y,*y,*y,*y,*y,*y,*y,*y]\nd: [*z,*z,*z,*z,*z,*z,*z,*z,*z,*z,*z,*z]\n',
    });
    const codes = new Set(diagnostics.map((d) => `${d.file} ${d.code}`));
    expect(codes).toContain('list.yaml MAP_WRONG_TYPE');
    expect(codes).toContain('scalar.yaml MAP_WRONG_TYPE');
    expect(codes).toContain('weird.yaml MAP_WRONG_TYPE');
    expect(codes).toContain('weird2.yaml MAP_INVALID_KEY');
    expect(codes).toContain('weird2.yaml MAP_UNKNOWN_PROPERTY');
    expect(codes).toContain('laughs.yaml YAML_SYNTAX');
  });
});
