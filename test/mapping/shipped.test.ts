/**
 * The shipped WooCommerce ↔ PowerOffice Go setup: mapsync.yaml and mappings/ validate with
 * the real connector registry and schemas, every mapping has tests that pass, and the
 * committed dataflow documents in docs/ are fresh and valid reStructuredText.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { checkFiles } from '../../engine/mapping/check-files.ts';
import { dataflowDocuments } from '../../engine/mapping/docs/dataflow.ts';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import { DEFAULT_SCHEMAS_DIR, loadProject, type Project } from '../../engine/mapping/project.ts';
import { runTestFiles } from '../../engine/mapping/testing/run-tests.ts';
import { rstProblems } from './rst-check.ts';

const { valuesForTarget } = inProcessEvaluator;

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAPPINGS = ['customer-company', 'customer-person', 'product', 'salesorder', 'salesorderline'];
let project: Project;

beforeAll(async () => {
  project = await loadProject({
    configPath: 'mapsync.yaml',
    env: {},
    requireEnv: false,
    registry: connectors,
    cwd: REPO,
  });
});

describe('the shipped mappings', () => {
  it('validate with the real registry and schemas: no error, no warning', () => {
    expect(project.diagnostics).toEqual([]);
    expect(project.mappings.map((m) => m.name)).toEqual([
      'customer-company',
      'customer-person',
      'product',
      'salesorder',
      'salesorderline',
    ]);
  });

  it('every file starts with the yaml-language-server schema comment', () => {
    for (const name of MAPPINGS) {
      expect(readFileSync(join(REPO, 'mappings', `${name}.yaml`), 'utf8')).toMatch(
        /^# yaml-language-server: \$schema=\.\.\/schemas\/mapping\.schema\.json\n/,
      );
      expect(readFileSync(join(REPO, 'mappings', `${name}.test.yaml`), 'utf8')).toMatch(
        /^# yaml-language-server: \$schema=\.\.\/schemas\/mapping-test\.schema\.json\n/,
      );
    }
  });

  it('have mapping tests that pass, with the reverse direction of every two-way mapping', async () => {
    const checked = await checkFiles(['mappings'], {
      registry: connectors,
      schemasDir: DEFAULT_SCHEMAS_DIR,
      cwd: REPO,
    });
    expect(checked.diagnostics).toEqual([]);
    expect(checked.tests.map((t) => t.mapping).sort()).toEqual(MAPPINGS);
    const results = await runTestFiles(
      inProcessEvaluator,
      checked.tests,
      new Map(checked.mappings.map((m) => [m.name, m])),
    );
    expect(results.filter((r) => !r.passed)).toEqual([]);
    for (const mapping of checked.mappings.filter((m) => m.direction === 'two-way')) {
      const file = checked.tests.find((t) => t.mapping === mapping.name)!;
      const reverse = file.cases.filter((c) => c.direction === 'to-source');
      expect(reverse.length, mapping.name).toBeGreaterThan(0);
      const covered = new Set(
        reverse.flatMap((c) => (c.expect.kind === 'equals' ? Object.keys(c.expect.value as object) : [])),
      );
      for (const p of mapping.properties.filter((x) => x.direction !== 'to-target')) {
        expect(covered.has(p.source!.split('.')[0]!), `${mapping.name} ${p.source}`).toBe(true);
      }
    }
  });
});

describe('the dataflow documents in docs/', () => {
  const generated = () => dataflowDocuments(project.mappings, new Date());
  const withoutStamp = (text: string) => text.replace(/^Generated: .*$/m, 'Generated: -');

  it('are fresh (regenerate with `mapsync docs`)', () => {
    const documents = generated();
    expect(documents.map((d) => d.name)).toEqual([
      'powerofficego-woocommerce.rst',
      'woocommerce-powerofficego.rst',
    ]);
    for (const document of documents) {
      const committed = readFileSync(join(REPO, 'docs', document.name), 'utf8');
      expect(withoutStamp(committed), `docs/${document.name} is stale: run npx mapsync docs`).toBe(
        withoutStamp(document.content),
      );
    }
  });

  it('have the sections and tables the issue asks for', () => {
    const text = readFileSync(join(REPO, 'docs', 'woocommerce-powerofficego.rst'), 'utf8');
    expect(text.split('\n').slice(0, 3)).toEqual([
      '=====================================',
      'Woocommerce to Powerofficego Dataflow',
      '=====================================',
    ]);
    expect(text).toMatch(/^Generated: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/m);
    const titles = text.split('\n').filter((_, i, lines) => /^-{3,}$/.test(lines[i + 1] ?? ''));
    expect(titles).toEqual([
      'Introduction',
      'Woocommerce Customer to Powerofficego Customers company',
      'Woocommerce Customer to Powerofficego Customers person',
      'Woocommerce Order to Powerofficego Salesorderlines',
      'Woocommerce Order to Powerofficego Salesorders',
      'Woocommerce Product to Powerofficego Product',
    ]);
    expect(text).toContain(
      '   * - Woocommerce Customer Property\n     - Powerofficego Customers person Property\n     - Powerofficego Data Type\n',
    );
  });

  it('parse as valid reStructuredText', () => {
    for (const name of ['woocommerce-powerofficego.rst', 'powerofficego-woocommerce.rst']) {
      expect(rstProblems(readFileSync(join(REPO, 'docs', name), 'utf8')), name).toEqual([]);
    }
  });

  it('the RST check rejects a malformed list-table and a bad title underline', () => {
    expect(rstProblems('Title\n===\n\nText.\n')).toEqual(['line 2: title underline too short for "Title"']);
    const table = (rows: string) =>
      `Title\n=====\n\n.. list-table::\n   :header-rows: 1\n\n   * - A\n     - B\n${rows}`;
    expect(rstProblems(table('   * - x\n     - y\n'))).toEqual([]);
    expect(rstProblems(table('   * - only one\n'))).not.toEqual([]);
    expect(rstProblems(table('   - not a row\n'))).not.toEqual([]);
  });

  const docutils = spawnSync('rst2html', ['--version'], { encoding: 'utf8' }).status === 0;

  it.skipIf(!docutils)('pass docutils in strict mode, which rejects the broken samples', () => {
    const strict = (file: string) => spawnSync('rst2html', ['--strict', file], { encoding: 'utf8' }).status;
    for (const name of ['woocommerce-powerofficego.rst', 'powerofficego-woocommerce.rst']) {
      expect(strict(join(REPO, 'docs', name)), name).toBe(0);
    }
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-rst-'));
    writeFileSync(join(dir, 'bad.rst'), 'Title\n===\n\nText.\n');
    expect(strict(join(dir, 'bad.rst'))).not.toBe(0);
  });
});

describe('checks against the real entity schemas', () => {
  const edit = async (file: string, from: string, to: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-shipped-'));
    const text = readFileSync(join(REPO, 'mappings', file), 'utf8');
    expect(text).toContain(from);
    writeFileSync(join(dir, file), text.replace(from, to));
    const { diagnostics } = await checkFiles(['.'], {
      registry: connectors,
      schemasDir: DEFAULT_SCHEMAS_DIR,
      cwd: dir,
    });
    return diagnostics;
  };

  it('a target EmailAdress is an error with a "did you mean EmailAddress" hint', async () => {
    const diagnostics = await edit('customer-person.yaml', 'target: EmailAddress', 'target: EmailAdress');
    expect(diagnostics.map((d) => [d.code, d.message])).toContainEqual([
      'MAP_UNKNOWN_PROPERTY',
      'poweroffice-go customer has no property "EmailAdress" (did you mean "EmailAddress"?)',
    ]);
  });

  it('writing NetAmount or SalesOrderNo is an error', async () => {
    const diagnostics = await edit(
      'salesorder.yaml',
      'target: PurchaseOrderReference',
      'target: SalesOrderNo',
    );
    expect(diagnostics.map((d) => d.code)).toContain('MAP_READ_ONLY_TARGET');
    const lines = await edit('salesorderline.yaml', 'target: Allowance', 'target: NetAmount');
    expect(lines.map((d) => d.code)).toContain('MAP_READ_ONLY_TARGET');
  });

  it('a string price copied into a number without conversion is a warning', async () => {
    // The price property without its type and conversions: a plain regular_price ↔ UnitPrice.
    const text = readFileSync(join(REPO, 'mappings', 'product.yaml'), 'utf8');
    const start = text.indexOf('    type: decimal\n', text.indexOf('target: UnitPrice'));
    const end = text.indexOf('    description:', start);
    const diagnostics = await edit('product.yaml', text.slice(start, end), '');
    expect(diagnostics.map((d) => [d.severity, d.code])).toContainEqual(['warning', 'MAP_TYPE_MISMATCH']);
  });
});

describe('salesorder: the buyer of a guest order', () => {
  it('is passed to $link as a customer-person source record built from the billing data', async () => {
    const salesorder = project.mappings.find((m) => m.name === 'salesorder')!;
    const calls: [string, unknown][] = [];
    const billing = { first_name: 'Gjest', last_name: 'Kunde', email: 'gjest@example.no', city: 'Oslo' };
    const values = await valuesForTarget(
      salesorder,
      { id: 1002, number: '1002', customer_id: 0, date_created_gmt: '2024-05-02T08:00:00', billing },
      {
        link: async (mapping, key) => {
          calls.push([mapping, key]);
          return '10077';
        },
      },
    );
    expect(calls).toEqual([
      [
        'customer-person',
        { id: 'guest-1002', email: 'gjest@example.no', first_name: 'Gjest', last_name: 'Kunde', billing },
      ],
    ]);
    expect(values.get('CustomerId')).toBe(10077);
  });
});
