/**
 * The playground's API against a real server on 127.0.0.1 over a copy of the shipped
 * mappings: the list with test cases; evaluation of a case, a pasted record and an unsaved
 * edit through the engine's payload path; diagnostics at their positions inside the
 * expressions; the reverse direction of two-way mappings; `$link` stubs; and the engine's
 * guards (RE2 regexes, the hard time limit) with clear errors. Evaluating writes nothing.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluateResult } from '../../engine/playground/evaluate.ts';
import type { MappingList } from '../../engine/playground/list.ts';
import type { PlaygroundServer } from '../../engine/playground/server.ts';
import { copyProject, positionOf, post, read, send, startServer } from './helpers.ts';

const HARD_MS = 1000;
const PRODUCT = 'mappings/product.yaml';
const DESCRIPTION = '$htmlToText(type = "variation" ? description : short_description)';

let project: ReturnType<typeof copyProject>;
let server: PlaygroundServer;
let text: string;

beforeAll(async () => {
  project = copyProject();
  server = await startServer(project.dir, { evaluator: { hardTimeoutMs: HARD_MS } });
  text = read(project.dir, PRODUCT);
});

afterAll(async () => {
  await server?.close();
  project?.remove();
});

const evaluate = async (body: Record<string, unknown>) => {
  const answer = await post<EvaluateResult>(server.url, '/playground/api/evaluate', body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};
const edited = (replacement: string) => text.replace(DESCRIPTION, replacement);
const errorsOf = (result: EvaluateResult) => result.diagnostics.filter((d) => d.severity === 'error');

describe('listing', () => {
  it('lists every mapping file with its text, version, sides and test cases', async () => {
    const { status, body } = await send<MappingList & { connected: boolean }>(
      server.url,
      'GET',
      '/playground/api/mappings',
    );
    expect(status).toBe(200);
    expect(body.connected).toBe(false);
    expect(body.mappings.map((m) => m.name)).toEqual([
      'customer-company',
      'customer-person',
      'product',
      'salesorder',
      'salesorderline',
    ]);
    const product = body.mappings.find((m) => m.name === 'product')!;
    expect(product).toMatchObject({
      file: PRODUCT,
      text,
      direction: 'two-way',
      source: { system: 'woocommerce', entity: 'product' },
      target: { system: 'poweroffice-go', entity: 'product' },
    });
    expect(product.version).toMatch(/^[0-9a-f]{16}$/);
    expect(product.cases.map((c) => c.name)).toContain('normal product');
    expect(body.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('evaluation', () => {
  it("maps a test case's input to the payload mapsync test expects, and back for a two-way mapping", async () => {
    const result = await evaluate({ file: PRODUCT, case: 'normal product' });
    expect(errorsOf(result)).toEqual([]);
    expect(result.payload).toEqual({
      Code: 'KOPP-01',
      Name: 'Kaffekopp',
      Description: 'Stor kopp i steintøy.',
      UnitPrice: 149,
      IsStockItem: true,
      // No StockOnHand: stock is PowerOffice Go's, one way to the shop.
      Gtin: '7090012345678',
      ProductType: 'Product',
      // The sales account of the standard tax class, from the case's variables.
      StandardSalesAccountId: 4103000,
    });
    // The way back: 149 becomes "149.00" again ($decimalString), Description does not flow back,
    // nor a stock figure (the payload carries none).
    expect(result.reverse).toEqual({
      sku: 'KOPP-01',
      name: 'Kaffekopp',
      regular_price: '149.00',
      manage_stock: true,
      global_unique_id: '7090012345678',
    });
  });

  it('evaluates the unsaved text of an edit against a pasted record, and writes nothing', async () => {
    const before = statSync(join(project.dir, PRODUCT)).mtimeMs;
    const result = await evaluate({
      file: PRODUCT,
      text: edited(`$uppercase(${DESCRIPTION})`),
      record: { id: 7, name: 'Krus', sku: 'K-7', short_description: '<p>Blått <em>krus</em></p>' },
    });
    expect(errorsOf(result)).toEqual([]);
    expect(result.payload).toMatchObject({ Code: 'K-7', Name: 'Krus', Description: 'BLÅTT KRUS' });
    expect(read(project.dir, PRODUCT)).toBe(text);
    expect(statSync(join(project.dir, PRODUCT)).mtimeMs).toBe(before);
  });

  it('reports a diagnostic inside an expression at its line and column, as validate does', async () => {
    const broken = edited('$htmlToTxt(short_description)');
    const result = await evaluate({ file: PRODUCT, text: broken, case: 'normal product' });
    const at = positionOf(broken, '$htmlToTxt');
    expect(errorsOf(result).map((d) => [d.file, d.code, d.line, d.col])).toEqual([
      [PRODUCT, 'EXPR_UNKNOWN_FUNCTION', at.line, at.col],
    ]);
    expect(errorsOf(result)[0]!.message).toContain('$htmlToText'); // did you mean
  });

  it('reports a syntax error at the offending token', async () => {
    const broken = edited('$htmlToText(short_description');
    const result = await evaluate({ file: PRODUCT, text: broken });
    const errors = errorsOf(result);
    expect(errors.map((d) => d.code)).toEqual(['EXPR_SYNTAX']);
    expect(errors[0]!.line).toBe(positionOf(broken, '$htmlToText(short_description').line);
  });

  it('reports a YAML error at its line, folds what follows from it into one note, and maps nothing', async () => {
    const broken = text.replace('direction: two-way', 'direction: [two-way');
    const result = await evaluate({ file: PRODUCT, text: broken, case: 'normal product' });
    const errors = errorsOf(result);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((d) => d.file === PRODUCT && d.code === 'YAML_SYNTAX')).toBe(true);
    expect(errors[0]!.line).toBeGreaterThanOrEqual(positionOf(broken, 'direction: [').line);
    // The test file's references to the broken mapping are one note, not a cascade of errors.
    expect(result.diagnostics.filter((d) => d.file !== PRODUCT && d.severity === 'error')).toEqual([]);
    expect(result.payload).toBeUndefined();
  });

  it('gives a runtime failure as a diagnostic at its position inside the expression', async () => {
    const broken = edited(`${DESCRIPTION} & $decimal("abc")`);
    const result = await evaluate({ file: PRODUCT, text: broken, case: 'normal product' });
    expect(errorsOf(result)).toEqual([]);
    expect(result.payload).toBeUndefined();
    const line = positionOf(broken, '$decimal("abc")').line;
    expect(result.failure).toMatchObject({ file: PRODUCT, code: 'MAP_EVAL_ERROR', line });
    expect(result.failure!.col).toBeGreaterThan(positionOf(broken, DESCRIPTION).col);
  });

  it("uses a case's $link stubs, and names links nobody answered", async () => {
    const file = 'mappings/salesorder.yaml';
    const cased = await evaluate({ file, case: 'normal order of a registered customer' });
    expect(cased.payload).toMatchObject({ CustomerId: 10001 });
    expect(cased.reverse).toBeUndefined(); // one-way
    const record = { id: 5, number: '5', status: 'processing', currency: 'NOK', customer_id: 42 };
    const pasted = await evaluate({ file, record: { ...record, date_created_gmt: '2024-05-01T10:15:00' } });
    expect(pasted.unlinked).toEqual(['customer-person:42']);
    const linked = await evaluate({
      file,
      record: { ...record, date_created_gmt: '2024-05-01T10:15:00' },
      links: { 'customer-person': { '42': 777 } },
    });
    expect(linked.unlinked).toEqual([]);
    expect(linked.payload).toMatchObject({ CustomerId: 777 });
  });

  it('gives a fan-out mapping its child records as an array', async () => {
    const result = await evaluate({
      file: 'mappings/salesorderline.yaml',
      case: 'order with product lines, a shipping line and a fee line (25 %, totals agree)',
    });
    expect(errorsOf(result)).toEqual([]);
    expect(Array.isArray(result.payload)).toBe(true);
    expect((result.payload as unknown[]).length).toBeGreaterThan(2);
    expect(result.reverse).toBeUndefined();
  });

  it('maps a target record back to the source for direction to-source', async () => {
    const result = await evaluate({
      file: PRODUCT,
      direction: 'to-source',
      record: { Code: 'A-1', Name: 'Alfa', UnitPrice: 12.5 },
    });
    expect(result.direction).toBe('to-source');
    expect(result.payload).toMatchObject({ sku: 'A-1', name: 'Alfa', regular_price: '12.50' });
  });
});

describe("the engine's guards", () => {
  it('runs a catastrophic regex in linear time: 42 × "a" + "!" answers instead of hanging', async () => {
    const result = await evaluate({
      file: PRODUCT,
      text: edited('$contains(name, /^([a-z]+)+$/) ? "matched" : "not matched"'),
      record: { id: 1, sku: 'R-1', name: `${'a'.repeat(42)}!` },
    });
    expect(result.failure).toBeUndefined();
    expect(result.payload).toMatchObject({ Description: 'not matched' });
  });

  it('reports a regex RE2 cannot run at its opening slash', async () => {
    const broken = edited('$contains(name, /(a)\\1/) ? "x" : "y"');
    const result = await evaluate({ file: PRODUCT, text: broken, record: { id: 1, sku: 'R-1' } });
    const at = positionOf(broken, '/(a)');
    expect(errorsOf(result).map((d) => [d.code, d.line, d.col])).toEqual([
      ['EXPR_REGEX_UNSUPPORTED', at.line, at.col],
    ]);
    expect(errorsOf(result)[0]!.message).toContain('no backreferences');
  });

  it('stops a runaway expression at the hard time limit with a clear error, then goes on', async () => {
    const runaway = edited('$string($count($distinct([1..$number(name)])))');
    const stopped = await evaluate({
      file: PRODUCT,
      text: runaway,
      record: { id: 1, sku: 'R', name: '1000000' },
    });
    expect(stopped.payload).toBeUndefined();
    expect(stopped.failure).toMatchObject({
      file: PRODUCT,
      code: 'MAP_EVAL_TIMEOUT',
      line: positionOf(runaway, '$string($count').line,
    });
    expect(stopped.failure!.message).toContain(`hard limit of ${HARD_MS} ms`);
    expect(stopped.hardTimeoutMs).toBe(HARD_MS);
    // The next evaluation runs on a fresh worker.
    const next = await evaluate({ file: PRODUCT, text: runaway, record: { id: 1, sku: 'R', name: '3' } });
    expect(next.payload).toMatchObject({ Description: '3' });
  });
});
