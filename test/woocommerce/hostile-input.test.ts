/**
 * What `npm run fuzz` found in the shop sandbox and the connector in front of it: a number
 * like "1e999999999" made the sandbox build a billion-digit string (out of memory), and a
 * body over the shop's limit came back as a 500 instead of nginx's 413 — which the
 * connector must then turn into a clear failure of that record, not a retry.
 */
import { describe, expect, it } from 'vitest';
import { type ConnectorError, isConnectorError } from '../../engine/connectors/errors.ts';
import { sandboxes } from './helpers.ts';

const { pair } = sandboxes();

describe('hostile input at the shop', () => {
  it('amounts beyond a double are INF, as PHP has them, and never a billion-digit string', async () => {
    const { sandbox, connector } = await pair();
    const product = (await connector.create('product', {
      name: 'Huge',
      type: 'simple',
      regular_price: '1e999999999',
    })) as Record<string, unknown>;
    expect(product.regular_price).toBe('1e999999999');
    expect(String(product.price_html)).toContain('inf');
    const order = (await connector.create('order', {
      status: 'processing',
      line_items: [{ product_id: product.id, quantity: 2 }],
      fee_lines: [{ name: 'Gebyr', total: '-1e999999999', tax_status: 'none' }],
    })) as Record<string, unknown>;
    const line = (order.line_items as Array<Record<string, unknown>>)[0]!;
    expect(line.total).toBe('inf'); // number_format(INF, 2)
    expect((order.fee_lines as Array<Record<string, unknown>>)[0]!.total).toBe('-inf');
    // A tiny amount underflows to 0 like a double, instead of a long run of zeros.
    const tiny = (await connector.create('order', {
      status: 'processing',
      fee_lines: [{ name: 'Gebyr', total: '1e-999999999', tax_status: 'none' }],
    })) as Record<string, unknown>;
    expect((tiny.fee_lines as Array<Record<string, unknown>>)[0]!.total).toBe('0.00');
    expect(sandbox.state.data.orders).toHaveLength(2);
  });

  it('a body over 1 MiB is answered 413 by the front server, and the connector fails it as invalid (no retry)', async () => {
    const { sandbox, connector } = await pair();
    const error = await connector
      .create('customer', { email: 'big@example.no', first_name: 'x'.repeat(1024 * 1024) })
      .then(() => undefined)
      .catch((e: unknown) => e as ConnectorError);
    expect(isConnectorError(error, 'validation')).toBe(true);
    expect(error!.status).toBe(413);
    expect(error!.message).toMatch(/larger than the shop's web server accepts/);
    expect(error!.message).not.toContain('xxxx');
    expect(sandbox.state.data.customers).toHaveLength(0);
    expect(sandbox.log.list().filter((r) => r.method === 'POST')).toHaveLength(1);
    // Just under the limit is accepted.
    const ok = await connector.create('customer', {
      email: 'ok@example.no',
      first_name: 'x'.repeat(900_000),
    });
    expect(ok).toBeTruthy();
  });
});
