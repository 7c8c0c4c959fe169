/**
 * Batched shop updates split by encoded size (issue 9, fuzz follow-up): a WooCommerce batch
 * whose body was over the shop's 1 MiB limit (nginx's client_max_body_size default) was
 * answered 413, and every record in it failed. Now batches are grouped to fit the limit, a
 * record whose update alone is over it fails alone with its size and the limit, and a shop
 * whose real limit is lower than configured gets the batch halved until it fits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectorError, isConnectorError } from '../../engine/connectors/errors.ts';
import type { BatchUpdateItem } from '../../engine/connectors/types.ts';
import { groupBySize } from '../../engine/connectors/woocommerce/batch-update.ts';
import { insertRecords } from '../../sandbox/woocommerce/admin.ts';
import { type Pair, startPair } from './helpers.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});
async function pair(...args: Parameters<typeof startPair>): Promise<Pair> {
  const p = await startPair(...args);
  closers.push(() => p.close());
  return p;
}

const MiB = 1024 * 1024;
const describeAs = (id: number, chars: number, mark = 'x'): BatchUpdateItem => ({
  id: String(id),
  ops: [{ op: 'replace', path: '/description', value: `${mark}`.repeat(chars) }],
});

function products(p: Pair, n: number) {
  insertRecords(
    p.sandbox.state,
    'product',
    Array.from({ length: n }, (_, i) => ({ name: `P${i + 1}`, sku: `P-${i + 1}`, regular_price: '10' })),
  );
}
const batchCalls = (p: Pair, mark: number) =>
  p.sandbox.log.list(mark).filter((r) => r.path === '/wp-json/wc/v3/products/batch');

describe('WooCommerce batches split by encoded size', () => {
  it('groups items in order, each group within the item and byte limits', () => {
    // 13 bytes of envelope ({"update":[]}) and a comma between items.
    expect(groupBySize([40, 40, 40], 100, 13 + 40 + 1 + 40)).toEqual({ groups: [[0, 1], [2]], oversize: [] });
    expect(groupBySize([10, 10, 10], 2, 10_000)).toEqual({ groups: [[0, 1], [2]], oversize: [] });
    expect(groupBySize([10, 200, 10], 100, 100)).toEqual({ groups: [[0, 2]], oversize: [1] });
    expect(groupBySize([87], 100, 100)).toEqual({ groups: [[0]], oversize: [] });
    expect(groupBySize([88], 100, 100)).toEqual({ groups: [], oversize: [0] });
  });

  it('a batch over 1 MiB in all is sent in parts that each fit, and every record is updated', async () => {
    const p = await pair();
    products(p, 3);
    const items = [1, 2, 3].map((id) => describeAs(id, 400_000, String(id)));
    const mark = p.sandbox.log.mark();
    const results = await p.connector.batch!.updateMany('product', items);
    expect(results.map((r) => r.error?.message)).toEqual([undefined, undefined, undefined]);
    expect(results.map((r) => String(r.record?.description).length)).toEqual([400_000, 400_000, 400_000]);
    const calls = batchCalls(p, mark);
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
    for (const c of calls) expect(Buffer.byteLength(JSON.stringify(c.body))).toBeLessThanOrEqual(MiB);
    const stored = p.sandbox.state.data.products as Array<Record<string, unknown>>;
    expect(stored.map((r) => String(r.description)[0])).toEqual(['1', '2', '3']);
  });

  it('a record whose update alone is over the limit fails alone, naming its size and the limit; the others go', async () => {
    const p = await pair();
    products(p, 3);
    const items = [describeAs(1, 10), describeAs(2, MiB), describeAs(3, 10)];
    const mark = p.sandbox.log.mark();
    const results = await p.connector.batch!.updateMany('product', items);
    expect(results[0]!.record?.description).toBe('x'.repeat(10));
    expect(results[2]!.record?.description).toBe('x'.repeat(10));
    const error = results[1]!.error as ConnectorError;
    expect(isConnectorError(error, 'validation')).toBe(true);
    expect(results[1]!.id).toBe('2');
    const size = Buffer.byteLength(JSON.stringify({ update: [{ description: 'x'.repeat(MiB), id: 2 }] }));
    expect(error.message).toContain(`${size} bytes`);
    expect(error.message).toContain(`limit of ${MiB} bytes`);
    expect(error.message).not.toContain('xxxx');
    // Not sent at all: one batch with the two others, answered 200.
    expect(batchCalls(p, mark).map((c) => c.status)).toEqual([200]);
  });

  it('a shop whose real limit is lower than configured: a 413 halves the batch until it fits', async () => {
    const p = await pair({ bodyLimit: 300_000 }, { max_body_bytes: 4 * MiB });
    products(p, 4);
    const items = [
      describeAs(1, 100_000),
      describeAs(2, 100_000),
      describeAs(3, 100_000),
      describeAs(4, 400_000),
    ];
    const mark = p.sandbox.log.mark();
    const results = await p.connector.batch!.updateMany('product', items);
    expect(results.slice(0, 3).map((r) => String(r.record?.description).length)).toEqual([
      100_000, 100_000, 100_000,
    ]);
    const error = results[3]!.error as ConnectorError;
    expect(isConnectorError(error, 'validation')).toBe(true);
    expect(error.status).toBe(413);
    // [1,2,3,4] 413 → [1,2] 200, [3,4] 413 → [3] 200, [4] 413.
    expect(batchCalls(p, mark).map((c) => c.status)).toEqual([413, 200, 413, 200, 413]);
  });
});
