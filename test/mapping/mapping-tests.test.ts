/** Mapping test files (`*.test.yaml`): their own checks, and how cases pass or fail. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import { type RunTestOptions, runTestFiles } from '../../engine/mapping/testing/run-tests.ts';
import { PayloadValidator } from '../../engine/sync/payload-validator.ts';
import { checkWritten, FIXTURES, schemasDir, where } from './helpers.ts';

const CUSTOMER = readFileSync(join(FIXTURES, 'good', 'customer.yaml'), 'utf8');

async function run(tests: string, mapping = CUSTOMER, options: RunTestOptions = {}) {
  const checked = await checkWritten({ 'customer.yaml': mapping, 'customer.test.yaml': tests });
  const results = await runTestFiles(
    inProcessEvaluator,
    checked.tests,
    new Map(checked.mappings.map((m) => [m.name, m])),
    options,
  );
  return { ...checked, results };
}

describe('mapping test files', () => {
  it('are checked against their schema, reported by line', async () => {
    const { diagnostics } = await run(`version: 1
cases:
  - name: a
    input: {}
    equal: {}
    direction: sideways
`);
    expect(where(diagnostics)).toEqual([
      ['TEST_UNKNOWN_KEY', 5, 5],
      ['TEST_INVALID_VALUE', 6, 16],
    ]);
    expect(diagnostics[0]?.message).toContain('did you mean "equals"');
  });

  it('name a mapping that exists, give exactly one expectation, and unique case names', async () => {
    const { diagnostics } = await run(`version: 1
cases:
  - name: a
    input: {}
  - name: b
    input: {}
    equals: {}
    skipped: true
  - name: a
    input: {}
    skipped: true
    links: { custmer: { "1": 2 } }
`);
    expect(where(diagnostics)).toEqual([
      ['TEST_EXPECTATION', 3, 5],
      ['TEST_EXPECTATION', 8, 5],
      ['TEST_DUPLICATE_CASE', 9, 11],
      ['TEST_UNKNOWN_MAPPING', 12, 14],
    ]);
    const other = await checkWritten({
      'customer.yaml': CUSTOMER,
      'other.test.yaml': 'version: 1\nmapping: custom\ncases:\n  - { name: x, input: {}, skipped: true }\n',
    });
    expect(where(other.diagnostics)).toEqual([['TEST_UNKNOWN_MAPPING', 2, 10]]);
    expect(other.diagnostics[0]?.message).toContain('did you mean "customer"');
  });

  it('a failing case explains each difference on its own line', async () => {
    const { results } = await run(`version: 1
cases:
  - name: wrong
    input: { id: 7, email: a@b.no, first_name: Kari }
    equals:
      IsPerson: true
      ExternalImportReference: 7
      EmailAddress: a@b.no
      FirstName: Kari
      LastName: X
`);
    const details = ['ExternalImportReference: expected 7, got "7"', 'LastName: expected "X", got nothing'];
    expect(results).toEqual([
      {
        file: 'customer.test.yaml',
        mapping: 'customer',
        name: 'wrong',
        position: { line: 3, col: 5 },
        passed: false,
        details,
        runs: [1, 2].map((run) => ({ run, passed: false, details, durationMs: expect.any(Number) })),
      },
    ]);
  });

  it('a case whose input the source could not hold fails as the engine refuses the record', async () => {
    const cases = `version: 1
cases:
  - name: a first name that is a number
    input: { id: 7, email: kari@example.no, first_name: 42, last_name: Nordmann }
    contains: { EmailAddress: kari@example.no }
`;
    const { results } = await run(cases, CUSTOMER, {
      sourceCheck: new PayloadValidator(pathToFileURL(`${schemasDir}/`)),
    });
    expect(results[0]!.passed).toBe(false);
    expect(results[0]!.details).toEqual([
      'error: customer customer (case input): invalid at the source (shop/customer.schema.json): /first_name must be string',
    ]);
    // Without the engine's check the same case maps (what mapsync test did before).
    expect((await run(cases)).results[0]!.passed).toBe(true);
  });

  it('contains checks only the given keys; skipped checks when', async () => {
    const { results } = await run(`version: 1
cases:
  - name: subset
    input: { id: 7, email: a@b.no }
    contains: { EmailAddress: a@b.no }
  - name: subset fails
    input: { id: 7, email: a@b.no }
    contains: { EmailAddress: x@b.no, MailAddress: { City: Oslo } }
  - name: not skipped
    input: { id: 7 }
    skipped: true
`);
    expect(results.map((r) => [r.name, r.passed, r.details])).toEqual([
      ['subset', true, []],
      [
        'subset fails',
        false,
        ['EmailAddress: expected "x@b.no", got "a@b.no"', 'MailAddress: expected an object, got nothing'],
      ],
      ['not skipped', false, ['expected the record to be skipped by when, but it was mapped']],
    ]);
  });

  it('runs each case twice and fails a mapping that is not deterministic', async () => {
    const random = CUSTOMER.replace('$uppercase(last_name)', '$string($random())');
    const { results, diagnostics } = await run(
      `version: 1
cases:
  - name: random
    input: { id: 7 }
    contains: {}
`,
      random,
    );
    expect(diagnostics).toEqual([]);
    expect(results[0]?.passed).toBe(false);
    expect(results[0]?.details[0]).toBe('not deterministic: two runs on the same input differ');
  });

  it('an expression error fails the case with the runtime error', async () => {
    const failing = CUSTOMER.replace('$uppercase(last_name)', '$decimal(last_name)');
    const { results } = await run(
      'version: 1\ncases:\n  - { name: boom, input: { id: 7, last_name: abc }, contains: {} }\n',
      failing,
    );
    expect(results[0]?.details[0]).toMatch(
      /^error: customer\.yaml:\d+:\d+: mapping "customer", property "LastName" to_target: \$decimal: "abc" is not a number/,
    );
  });

  describe("a mapping's checks", () => {
    const WITH_CHECK = `${CUSTOMER}
variables:
  currency: NOK
  allowed: [NOK, EUR]
checks:
  - name: allowed-currency
    condition: |
      $currency in $allowed
    message: |
      "currency " & $currency & " is not among " & $join($allowed, ", ")
`;

    it('run on the variables a case gives, and a case fails when the mismatches differ', async () => {
      const { diagnostics, results } = await run(
        `version: 1
cases:
  - name: passes
    check: allowed-currency
    mismatches: []
  - name: a mismatch
    check: allowed-currency
    variables: { currency: SEK }
    mismatches: ["currency SEK is not among NOK, EUR"]
  - name: expects a pass that is a mismatch
    check: allowed-currency
    variables: { allowed: [EUR] }
    mismatches: []
`,
        WITH_CHECK,
      );
      expect(diagnostics).toEqual([]);
      expect(results.map((r) => [r.name, r.passed, r.runs.length])).toEqual([
        ['passes', true, 2],
        ['a mismatch', true, 2],
        ['expects a pass that is a mismatch', false, 2],
      ]);
      expect(results[2]?.details.join(' ')).toContain('currency NOK is not among EUR');
    });

    it('name a check that exists, with mismatches and nothing of a record case', async () => {
      const { diagnostics } = await run(
        `version: 1
cases:
  - name: a
    check: allowed-currencies
    mismatches: []
  - name: b
    check: allowed-currency
  - name: c
    check: allowed-currency
    input: {}
    mismatches: []
  - name: d
    skipped: true
`,
        WITH_CHECK,
      );
      expect(where(diagnostics)).toEqual([
        ['TEST_UNKNOWN_CHECK', 4, 12],
        ['TEST_EXPECTATION', 6, 5],
        ['TEST_EXPECTATION', 10, 5],
        ['TEST_EXPECTATION', 12, 5],
      ]);
      expect(diagnostics[0]?.message).toContain('did you mean "allowed-currency"');
    });
  });
});
