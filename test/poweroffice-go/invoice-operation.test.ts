/**
 * The connector's `invoice` operation against the sandbox: one createAndSendInvoice, sentState
 * polled until Go has posted the invoice; a resumed call never sends again; Go's delivery
 * failure and a refusal become validation errors naming the order; a request still being
 * processed after the wait is a transport error (retried later, nothing sent again).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorError } from '../../engine/connectors/errors.ts';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { type Fixture, raw, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function draftOrder(f: Fixture): Promise<string> {
  const customer = (
    await raw(f.sb, 'POST', 'Customers', { Name: 'Kunde AS', EmailAddress: 'kunde@example.no' })
  ).json as EntityRecord;
  await raw(f.sb, 'POST', 'Products', { Code: 'KAFFE', Name: 'Kaffe', UnitPrice: 86.96 });
  const order = await raw(f.sb, 'POST', 'SalesOrders/Complete', {
    CustomerId: customer.Id,
    ExternalImportReference: '1042',
    SalesOrderLines: [{ ProductCode: 'KAFFE', Quantity: 2 }],
  });
  expect(order.status).toBe(201);
  return String((order.json as EntityRecord).Id);
}

const sends = (f: Fixture) =>
  f.sb.log.list(0).filter((r) => r.method === 'POST' && /createandsendinvoice/i.test(r.path));

const invoice = (f: Fixture, id: string, resume = false, options: Record<string, unknown> = {}) =>
  f.connect().operations.perform({
    operation: 'invoice',
    entity: 'salesorder',
    id,
    options: { delivery_type: 'PdfPrintForDownload', max_wait_seconds: 60, ...options },
    resume,
  });

describe('poweroffice-go connector: the invoice operation', () => {
  it('sends once, polls sentState until posted, returns the invoice number', async () => {
    fx = await start({ rateLimit: false, invoicing: { pollsUntilDone: 3, processingMs: 600_000 } });
    const id = await draftOrder(fx);
    const done = await invoice(fx, id);
    expect(done.result.InvoiceNo).toEqual(expect.any(Number));
    expect(done.result.SentDateTimeOffset).toBeNull(); // PdfPrintForDownload delivers nothing
    expect(sends(fx)).toHaveLength(1);
    expect(sends(fx)[0]!.body).toEqual({ DeliveryType: 'PdfPrintForDownload' });
    const polls = fx.sb.log.list(0).filter((r) => r.method === 'GET' && /sentstate/i.test(r.path));
    expect(polls).toHaveLength(3);
    const invoices = (await raw(fx.sb, 'GET', `OutgoingInvoices?invoiceNos=${String(done.result.InvoiceNo)}`))
      .json as EntityRecord[];
    expect(invoices.map((i) => i.Id)).toEqual([id]);
  });

  it('resumed after an earlier request got through: reads sentState, sends nothing again', async () => {
    fx = await start({ rateLimit: false, invoicing: { pollsUntilDone: 1, processingMs: 600_000 } });
    const id = await draftOrder(fx);
    const first = await invoice(fx, id);
    const again = await invoice(fx, id, true);
    expect(again.result.InvoiceNo).toBe(first.result.InvoiceNo);
    expect(sends(fx)).toHaveLength(1);
    // Not resumed, on an order invoiced meanwhile: Go refuses (locked); the state is read.
    const third = await invoice(fx, id, false);
    expect(third.result.InvoiceNo).toBe(first.result.InvoiceNo);
    expect(sends(fx)).toHaveLength(2);
  });

  it("Go's delivery failure is a validation error naming the order, and nothing is posted", async () => {
    fx = await start({
      rateLimit: false,
      invoicing: { pollsUntilDone: 1, processingMs: 600_000, deliveryFailure: 'The e-mail bounced.' },
    });
    const id = await draftOrder(fx);
    const error = (await invoice(fx, id, false, { delivery_type: 'PdfByEmail' }).catch(
      (e) => e,
    )) as ConnectorError;
    expect(error.kind).toBe('validation');
    expect(error.message).toContain(`invoicing sales order ${id} failed: The e-mail bounced.`);
    expect((await raw(fx.sb, 'GET', 'OutgoingInvoices')).status).toBe(204);
  });

  it('still being processed after the wait: a transport error, and the next call only polls', async () => {
    fx = await start({ rateLimit: false, invoicing: { pollsUntilDone: 1000, processingMs: 600_000 } });
    const id = await draftOrder(fx);
    const error = (await invoice(fx, id, false, { max_wait_seconds: 1 }).catch((e) => e)) as ConnectorError;
    expect(error.kind).toBe('transport');
    expect(error.message).toContain('still being invoiced');
    await fetch(`${fx.sb.adminUrl}/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ invoicing: { pollsUntilDone: 0 } }),
    });
    const done = await invoice(fx, id, true);
    expect(done.result.InvoiceNo).toEqual(expect.any(Number));
    expect(sends(fx)).toHaveLength(1);
  });
});
