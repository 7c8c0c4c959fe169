/**
 * `actions:` in mapping files: the shipped salesorder mapping's invoice action compiles
 * (options defaulted from the connector's declaration), and every mistake in an action is a
 * located diagnostic, all of them at once. Checked with the real connector registry.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { loadProject } from '../../engine/mapping/project.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The shipped project with salesorder.yaml's `actions:` block replaced by `actions`. */
async function withActions(actions: string) {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-actions-'));
  cpSync(join(REPO, 'mapsync.yaml'), join(dir, 'mapsync.yaml'));
  cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
  const file = join(dir, 'mappings', 'salesorder.yaml');
  const shipped = readFileSync(file, 'utf8');
  const text = `${shipped.slice(0, shipped.indexOf('\nactions:'))}\n${actions}`;
  writeFileSync(file, text);
  const project = await loadProject({
    configPath: 'mapsync.yaml',
    env: {},
    requireEnv: false,
    registry: connectors,
    cwd: dir,
  });
  const lines = text.split('\n');
  const at = (d: { line: number; col: number }) => lines[d.line - 1]!.slice(d.col - 1);
  return { project, at };
}

describe('mapping actions', () => {
  it('the shipped invoice action compiles with its options defaulted', async () => {
    const project = await loadProject({
      configPath: 'mapsync.yaml',
      env: {},
      requireEnv: false,
      registry: connectors,
      cwd: REPO,
    });
    expect(project.diagnostics).toEqual([]);
    const salesorder = project.mappings.find((m) => m.name === 'salesorder')!;
    const [action] = salesorder.actions!;
    expect(action).toMatchObject({
      name: 'invoice',
      operation: 'invoice',
      options: { delivery_type: 'PdfPrintForDownload', max_wait_seconds: 60 },
      locksTarget: true,
    });
    // On as shipped (stock is one-way, product.yaml): the mapping variable switches it off.
    expect(action!.when!.text.trim()).toBe(
      '$invoicing_enabled = true and status = "completed" and $not($exists($actions.`delete-draft`))',
    );
    expect(salesorder.variables.invoicing_enabled).toBe(true);
    expect(action!.writeBack.map((w) => [w.operation, w.options])).toEqual([
      ['set-meta', { key: 'poweroffice_invoice_no' }],
      ['add-note', { customer_note: false }],
    ]);
  });

  it('reports every mistake at its place, at once', async () => {
    const { project, at } = await withActions(`actions:
  - name: invoice
    when: status = "completed" and $nosuch(1)
    operation: invoice
    options:
      delivery_type: PdfByFax
      max_wait_seconds: 0
      colour: blue
    write_back:
      - operation: add-notes
        value: '"x"'
      - operation: set-meta
        value: $string($result.InvoiceNo)
  - name: invoice
    operation: set-meta
`);
    const found = project.diagnostics.map((d) => [d.code, at(d).split('\n')[0]!.trim()]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['MAP_ACTION_OPTION', 'PdfByFax'],
        ['MAP_ACTION_OPTION', '0'],
        ['MAP_ACTION_OPTION', 'colour: blue'],
        ['MAP_ACTION_UNKNOWN_OPERATION', 'add-notes'],
        ['MAP_ACTION_OPTION', 'set-meta'], // key is required
        ['MAP_ACTION_DUPLICATE', 'invoice'],
        ['MAP_ACTION_UNKNOWN_OPERATION', 'set-meta'], // a shop operation is not a target operation
      ]),
    );
    expect(
      project.diagnostics.some(
        (d) => d.code.startsWith('EXPR_') || d.code.startsWith('MAP_UNKNOWN_FUNCTION'),
      ),
    ).toBe(true);
    const unknown = project.diagnostics.find((d) => at(d).startsWith('add-notes'))!;
    expect(unknown.message).toContain('did you mean "add-note"');
  });

  it('the shipped credit-note and refund-payment actions run per refund (each + key) with a value; delete-draft takes none', async () => {
    const project = await loadProject({
      configPath: 'mapsync.yaml',
      env: {},
      requireEnv: false,
      registry: connectors,
      cwd: REPO,
    });
    const actions = project.mappings.find((m) => m.name === 'salesorder')!.actions!;
    expect(actions.map((a) => [a.name, a.operation, !!a.each, !!a.key, !!a.value, a.locksTarget])).toEqual([
      ['invoice', 'invoice', false, false, false, true],
      ['payment', 'register-payment', false, false, true, false],
      ['credit-note', 'credit-note', true, true, true, false],
      ['delete-draft', 'delete-draft', false, false, false, true],
      ['refund-payment', 'refund-payment', true, true, true, false],
    ]);
  });

  it('each needs key (and the other way round); a value where the operation needs one, none where it takes none', async () => {
    const { project, at } = await withActions(`actions:
  - name: credit
    each: refund_details
    operation: credit-note
  - name: drop
    key: id
    operation: delete-draft
    value: '"x"'
  - name: link-ok
    each: refund_details
    key: id
    operation: credit-note
    value: |
      { "SalesOrderLines": [{ "ProductId": $link('product', $item.id) }] }
`);
    const found = project.diagnostics.map((d) => [d.code, at(d).split('\n')[0]!.trim()]);
    // In file order; the third action ($link in a value) is fine.
    expect(found).toEqual([
      ['MAP_ACTION_EACH', 'each: refund_details'],
      ['MAP_ACTION_VALUE', 'credit-note'],
      ['MAP_ACTION_EACH', 'key: id'],
      ['MAP_ACTION_VALUE', `'"x"'`],
    ]);
  });

  it('the schema refuses unknown keys in an action', async () => {
    const { project, at } = await withActions(`actions:
  - name: invoice
    operation: invoice
    writeBack: []
`);
    expect(project.diagnostics.map((d) => [d.code, at(d).split(':')[0]])).toEqual([
      ['MAP_UNKNOWN_KEY', 'writeBack'],
    ]);
  });

  it('a fan-out mapping cannot have actions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-actions-'));
    cpSync(join(REPO, 'mapsync.yaml'), join(dir, 'mapsync.yaml'));
    cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
    const file = join(dir, 'mappings', 'salesorderline.yaml');
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')}\nactions:\n  - name: invoice\n    operation: invoice\n`,
    );
    const project = await loadProject({
      configPath: 'mapsync.yaml',
      env: {},
      requireEnv: false,
      registry: connectors,
      cwd: dir,
    });
    expect(project.diagnostics.map((d) => d.code)).toEqual(['MAP_ACTION_FANOUT']);
  });
});
