/**
 * The CI formats of `mapsync validate --format text|json|github|sarif` and `mapsync test
 * --format text|json|junit|github`: GitHub workflow commands with GitHub's escaping, SARIF
 * validated against the SARIF 2.1.0 JSON schema (the copy Microsoft's SARIF SDK ships in
 * @microsoft/jest-sarif), JUnit XML checked by an independent parser (fast-xml-parser).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { annotation, escapeData, escapeProperty } from '../../engine/diagnostics/formats/github.ts';
import { FIXTURES, runCommands } from './helpers.ts';

const require = createRequire(import.meta.url);
// Both ship CommonJS; under NodeNext their default export is the module object.
const AjvDraft04 = AjvDraft04Module as unknown as typeof AjvDraft04Module.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const BAD = ['bad/unknown-property.yaml', 'bad/read-only.yaml', 'bad/empty.yaml', 'bad/type-mismatch.yaml'];

function sarifValidator() {
  const schema = JSON.parse(
    readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
  ) as object;
  // The schema is draft-04 (as published); one of its patterns is not valid with the `u` flag.
  const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** A folder with the good customer mapping and a test file with the given cases. */
function testProject(cases: string, mappingEdit: (text: string) => string = (t) => t): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-formats-'));
  writeFileSync(
    join(dir, 'customer.yaml'),
    mappingEdit(readFileSync(join(FIXTURES, 'good/customer.yaml'), 'utf8')),
  );
  writeFileSync(join(dir, 'customer.test.yaml'), `version: 1\ncases:\n${cases}`);
  return dir;
}

const WRONG =
  '  - name: wrong <name> & "quotes"\n    input: { id: 1, first_name: Kari }\n    contains: { FirstName: Ola }\n';
const RIGHT = '  - name: right\n    input: { id: 2, first_name: Kari }\n    contains: { FirstName: Kari }\n';

describe('GitHub workflow commands', () => {
  it("escape as GitHub's toolkit does: %, CR, LF in the message; also : and , in properties", () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('C:\\x,y%')).toBe('C%3A\\x%2Cy%25');
    expect(annotation('error', { file: 'a,b.yaml', line: 3, col: 4, title: 'X_Y' }, 'two\nlines')).toBe(
      '::error file=a%2Cb.yaml,line=3,col=4,title=X_Y::two%0Alines',
    );
    // A problem about the whole file (0:0) annotates the file, without line and column.
    expect(annotation('warning', { file: 'a.yaml', line: 0, col: 0, title: 'X' }, 'm')).toBe(
      '::warning file=a.yaml,title=X::m',
    );
  });

  it('validate --format github prints one command per diagnostic, severity as level', async () => {
    const result = await runCommands(['validate', '--format', 'github', ...BAD]);
    expect(result.code).toBe(2);
    const text = await runCommands(['validate', ...BAD]);
    const out = result.out.trimEnd().split('\n');
    expect(out).toHaveLength(text.out.trimEnd().split('\n').length);
    expect(out).toContain(
      '::error file=bad/read-only.yaml,line=17,col=13,title=MAP_READ_ONLY_TARGET::property "SalesOrderNo": "SalesOrderNo" is read-only in erp salesorder and cannot be written',
    );
    expect(out).toContain('::error file=bad/empty.yaml,title=FILE_EMPTY::file is empty');
    expect(out.filter((l) => l.startsWith('::warning file=bad/type-mismatch.yaml,line='))).not.toEqual([]);
  });

  it('names files relative to GITHUB_WORKSPACE, where GitHub looks for them', async () => {
    const result = await runCommands(['validate', '--format', 'github', 'bad/empty.yaml'], {
      env: { GITHUB_WORKSPACE: dirname(dirname(FIXTURES)) },
    });
    expect(result.out).toBe('::error file=mapping/fixtures/bad/empty.yaml,title=FILE_EMPTY::file is empty\n');
  });

  it('test --format github annotates a failing case at its line, every difference in the message', async () => {
    const result = await runCommands(['test', '--format', 'github', '.'], {
      cwd: testProject(WRONG + RIGHT),
    });
    expect(result.code).toBe(1);
    expect(result.out.split('\n')).toEqual([
      '::error file=customer.test.yaml,line=3,col=5,title=TEST_FAILED::case "wrong <name> & "quotes"" of mapping "customer" failed:%0AFirstName: expected "Ola", got "Kari"',
      '1 passed, 1 failed',
      '',
    ]);
  });
});

describe('mapsync test validates first', () => {
  it('prints warnings as validate does, and still runs the tests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-formats-'));
    writeFileSync(join(dir, 'type-mismatch.yaml'), readFileSync(join(FIXTURES, 'bad/type-mismatch.yaml')));
    writeFileSync(
      join(dir, 'type-mismatch.test.yaml'),
      'version: 1\ncases:\n  - name: id\n    input: { id: 7 }\n    contains: { ExternalImportReference: "7" }\n',
    );
    const result = await runCommands(['test', '--format', 'github', '.'], { cwd: dir });
    expect(result.code).toBe(0);
    const lines = result.out.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('1 passed, 0 failed');
    expect(lines.slice(0, -1).length).toBeGreaterThan(0);
    expect(lines.slice(0, -1).every((l) => l.startsWith('::warning file=type-mismatch.yaml,'))).toBe(true);
    const text = await runCommands(['test', '.'], { cwd: dir });
    expect(text.out).toMatch(/^type-mismatch\.yaml:\d+:\d+ warning MAP_TYPE_MISMATCH /);
    expect(text.out).toMatch(/1 passed, 0 failed\n$/);
  });
});

describe('SARIF', () => {
  it('is valid SARIF 2.1.0 with one result per diagnostic and documented rules', async () => {
    const validate = sarifValidator();
    const result = await runCommands(['validate', '--format', 'sarif', ...BAD]);
    expect(result.code).toBe(2);
    const sarif = JSON.parse(result.out);
    expect(validate(sarif), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const json = JSON.parse((await runCommands(['validate', '--format', 'json', ...BAD])).out) as Array<{
      file: string;
      line: number;
      code: string;
      severity: string;
    }>;
    const run = sarif.runs[0];
    expect(run.results).toHaveLength(json.length);
    for (const [i, d] of json.entries()) {
      const r = run.results[i];
      expect(r.ruleId).toBe(d.code);
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(d.code);
      expect(r.level).toBe(d.severity);
      expect(r.locations[0].physicalLocation.artifactLocation).toEqual({ uri: d.file, uriBaseId: 'SRCROOT' });
      if (d.line > 0) expect(r.locations[0].physicalLocation.region.startLine).toBe(d.line);
    }
    const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === 'MAP_READ_ONLY_TARGET');
    expect(rule.shortDescription.text).toMatch(/computes itself/);
  });

  it('a clean run is valid SARIF with no results', async () => {
    const result = await runCommands(['validate', '--format', 'sarif', 'good']);
    expect(result.code).toBe(0);
    const sarif = JSON.parse(result.out);
    expect(sarifValidator()(sarif)).toBe(true);
    expect(sarif.runs[0].results).toEqual([]);
  });

  it('an unknown format is a usage error', async () => {
    const result = await runCommands(['validate', '--format', 'sarfi', 'good']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/Allowed choices are text, json, github, sarif/);
  });
});

describe('JUnit XML', () => {
  const parse = (xml: string) => {
    expect(XMLValidator.validate(xml)).toBe(true);
    return new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    }).parse(xml);
  };

  it('one test case per mapping case and run, failures with their differences', async () => {
    const result = await runCommands(['test', '--format', 'junit', '.'], { cwd: testProject(WRONG + RIGHT) });
    expect(result.code).toBe(1);
    const doc = parse(result.out);
    expect(doc.testsuites).toMatchObject({ tests: '4', failures: '2', errors: '0' });
    const [suite] = doc.testsuites.testsuite;
    expect(suite).toMatchObject({ name: 'customer.test.yaml', tests: '4', failures: '2' });
    expect(suite.testcase.map((c: { name: string }) => c.name)).toEqual([
      'wrong <name> & "quotes" (run 1)',
      'wrong <name> & "quotes" (run 2)',
      'right (run 1)',
      'right (run 2)',
    ]);
    expect(suite.testcase[0]).toMatchObject({ classname: 'customer', file: 'customer.test.yaml', line: '3' });
    expect(suite.testcase[0].failure).toMatchObject({
      type: 'TEST_FAILED',
      '#text': 'FirstName: expected "Ola", got "Kari"',
    });
    expect(suite.testcase[2].failure).toBeUndefined();
  });

  it('a mapping that is not deterministic fails its second run only', async () => {
    const dir = testProject(RIGHT, (text) =>
      text.replace('$uppercase(last_name)', '$uppercase(last_name) & $string($random())'),
    );
    const result = await runCommands(['test', '--format', 'junit', '.'], { cwd: dir });
    const cases = parse(result.out).testsuites.testsuite[0].testcase;
    expect(cases[0].failure).toBeUndefined();
    expect(cases[1].failure['#text']).toMatch(/^not deterministic/);
  });

  it('when the files have errors, each broken file is one test case with an error', async () => {
    const result = await runCommands([
      'test',
      '--format',
      'junit',
      'bad/empty.yaml',
      'bad/unknown-system.yaml',
    ]);
    expect(result.code).toBe(2);
    const suite = parse(result.out).testsuites.testsuite[0];
    expect(suite).toMatchObject({ name: 'mapsync validate', errors: '2' });
    expect(
      suite.testcase.map((c: { name: string; error: { type: string } }) => [c.name, c.error.type]),
    ).toEqual([
      ['bad/empty.yaml', 'FILE_EMPTY'],
      ['bad/unknown-system.yaml', 'MAP_UNKNOWN_SYSTEM'],
    ]);
  });
});

describe('JSON', () => {
  it('test --format json gives every case with both runs', async () => {
    const result = await runCommands(['test', '--format', 'json', '.'], { cwd: testProject(WRONG + RIGHT) });
    const body = JSON.parse(result.out);
    expect(body).toMatchObject({ passed: 1, failed: 1, diagnostics: [] });
    expect(body.cases[0]).toMatchObject({
      mapping: 'customer',
      file: 'customer.test.yaml',
      line: 3,
      passed: false,
    });
    expect(body.cases[0].runs.map((r: { run: number; passed: boolean }) => [r.run, r.passed])).toEqual([
      [1, false],
      [2, false],
    ]);
  });
});
