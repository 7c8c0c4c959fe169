/**
 * The `invoice` operation on a sales order: `POST /SalesOrders/{id}/createAndSendInvoice`
 * (202 + `Location`), then `GET /SalesOrders/sentState?id=` with backoff until the request
 * is no longer being processed; the result is the invoice number.
 *
 * Never twice: the engine stores an intent before calling this, and a call that may follow
 * an earlier attempt (`resume`) first reads `sentState` for the order — a request already
 * made is polled to its end, never made again. Go itself refuses a second request for an
 * order that is being or has been invoiced (400, locked), which is the last line of defence
 * (that refusal is read as "already invoiced": its state is read and returned). The POST is
 * never retried blindly (the HTTP client does not retry POSTs).
 *
 * The result also carries what a payment or credit note of this invoice needs to know of
 * it (facts.ts): the customer, the currency and rate, so those operations need not read
 * the invoice or the order again. The customer and currency are those the connector last
 * saw on the order (no request), else read once (another process wrote the order). An
 * invoice this call sent and saw posted is noted with the engine's pass, so a payment in
 * the same pass knows it cannot have been settled yet.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError, isConnectorError } from '../errors.ts';
import type { OperationDeclaration } from '../spec.ts';
import type { OperationResult, WriteOptions } from '../types.ts';
import type { PowerOfficeApi } from './api.ts';
import { SYSTEM } from './errors.ts';
import { type OrderFacts, orderFacts, type RecordFacts } from './facts.ts';

export const invoiceOperation: OperationDeclaration = {
  entity: 'salesorder',
  description:
    'invoice the sales order (createAndSendInvoice), wait until Go has posted it, return the invoice number',
  options: {
    type: 'object',
    properties: {
      delivery_type: {
        type: 'string',
        title: 'Delivery type',
        description:
          'How Go delivers the invoice: PdfPrintForDownload posts it and delivers nothing (the default, so a test setup never e-mails a buyer); PdfByEmail e-mails a PDF; Auto tries EHF/eFaktura/AvtaleGiro, then e-mail.',
        enum: ['PdfPrintForDownload', 'PdfByEmail', 'Auto'],
        default: 'PdfPrintForDownload',
      },
      max_wait_seconds: {
        type: 'integer',
        title: 'Longest wait for the invoice',
        description:
          'How long to poll sentState before giving up for now (the next run resumes polling; nothing is sent again).',
        minimum: 1,
        maximum: 600,
        default: 60,
      },
    },
  },
  value: 'none',
  result: [
    'InvoiceNo',
    'DueDate',
    'SentDateTimeOffset',
    'DeliveryType',
    'CustomerId',
    'CurrencyCode',
    'CurrencyExchangeRate',
  ],
};

interface SentState {
  InvoiceNo?: number | null;
  IsInvoiceBeingProcessed?: boolean | null;
  LastErrorMessage?: string | null;
  SentDateTimeOffset?: string | null;
  DueDate?: string | null;
  InvoiceDeliveryType?: string | null;
}

/** First poll after this; doubling to POLL_CAP_MS. */
const POLL_FIRST_MS = 200;
const POLL_CAP_MS = 5000;

export async function invoiceSalesOrder(
  api: PowerOfficeApi,
  id: string,
  request: { options: Readonly<Record<string, unknown>>; resume: boolean; pass?: string | undefined },
  facts: RecordFacts,
  options: WriteOptions = {},
): Promise<OperationResult> {
  const signal = options.signal;
  const maxWaitMs = Number(request.options.max_wait_seconds ?? 60) * 1000;
  const path = `SalesOrders/${encodeURIComponent(id)}/createAndSendInvoice`;
  let state = request.resume ? await sentState(api, id, signal) : undefined;
  let sent = false;
  if (!state || (!state.IsInvoiceBeingProcessed && state.InvoiceNo == null)) {
    // Never requested, or an earlier request failed without posting anything.
    try {
      await api.call('POST', path, {
        json: { DeliveryType: String(request.options.delivery_type ?? 'PdfPrintForDownload') },
        ...(signal ? { signal } : {}),
      });
      sent = true;
    } catch (error) {
      // "is being invoiced / has been invoiced": an earlier request got through after all.
      if (!(isConnectorError(error) && error.kind === 'locked')) throw error;
    }
    state = undefined;
  }
  const started = Date.now();
  let wait = POLL_FIRST_MS;
  for (;;) {
    if (state && !state.IsInvoiceBeingProcessed) break;
    if (state && Date.now() - started >= maxWaitMs) {
      throw new ConnectorError(
        `${SYSTEM}: sales order ${id} is still being invoiced after ${Math.round(maxWaitMs / 1000)} s; the next attempt waits for it (nothing is sent again)`,
        { system: SYSTEM, kind: 'transport', method: 'GET', path: api.pathOf('SalesOrders/sentState') },
      );
    }
    if (state) {
      await sleep(wait, undefined, signal ? { signal } : {});
      wait = Math.min(POLL_CAP_MS, wait * 2);
    }
    state = (await sentState(api, id, signal)) ?? { IsInvoiceBeingProcessed: true };
  }
  if (state.InvoiceNo == null) {
    throw new ConnectorError(
      `${SYSTEM}: invoicing sales order ${id} failed: ${state.LastErrorMessage ?? 'no invoice number and no error given'}`,
      { system: SYSTEM, kind: 'validation', method: 'POST', path: api.pathOf(path) },
    );
  }
  if (sent) facts.notePosted(id, request.pass);
  const order = facts.order(id) ?? (await readOrderFacts(api, id, facts, signal));
  return {
    result: {
      InvoiceNo: state.InvoiceNo,
      DueDate: state.DueDate ?? null,
      SentDateTimeOffset: state.SentDateTimeOffset ?? null,
      DeliveryType: state.InvoiceDeliveryType ?? null,
      CustomerId: order?.CustomerId ?? null,
      CurrencyCode: order?.CurrencyCode ?? null,
      CurrencyExchangeRate: order?.CurrencyExchangeRate ?? null,
    },
    summary: `sales order ${id} invoiced as invoice ${state.InvoiceNo}`,
  };
}

/** The order's customer and currency, read from Go (and kept). */
export async function readOrderFacts(
  api: PowerOfficeApi,
  id: string,
  facts: RecordFacts,
  signal: AbortSignal | undefined,
): Promise<OrderFacts | undefined> {
  const body = (await api.call('GET', `SalesOrders/${encodeURIComponent(id)}`, signal ? { signal } : {}))
    .body as Record<string, unknown> | undefined;
  if (!body) return undefined;
  facts.note('salesorder', body);
  return orderFacts(body);
}

/** The order's send request, or undefined when none was ever made (200 [] or 204). */
export async function sentState(
  api: PowerOfficeApi,
  id: string,
  signal: AbortSignal | undefined,
): Promise<SentState | undefined> {
  const response = await api.call('GET', 'SalesOrders/sentState', {
    searchParams: { id },
    ...(signal ? { signal } : {}),
  });
  const body = response.body;
  const list = Array.isArray(body) ? body : body && typeof body === 'object' ? [body] : [];
  return (list[0] as SentState | undefined) ?? undefined;
}
