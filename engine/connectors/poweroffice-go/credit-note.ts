/**
 * Credit notes and draft deletion on a sales order — the operations that undo a sale:
 *
 * `credit-note`: a credit-note draft for the order's invoice (`POST /SalesOrders/Complete`
 * with the lines the mapping computed — negative quantities — plus the original order's
 * customer and currency and `RelatedInvoiceNo` = its invoice number: the value's, else read
 * from `sentState`), then
 * invoiced like an order (invoice.ts). Never twice: the mapping gives every credit note an
 * `ExternalImportReference` (e.g. `refund-<refund id>`), which Go allows once per sales order;
 * a second create is answered "already in use … Id = <uuid>", and that draft — created by an
 * earlier attempt that may have crashed — is taken and invoiced (or its invoicing awaited)
 * instead. Go refuses a credit note that credits more than is left of the invoice (the
 * sandbox does; the real API's answer is unverified): a refused operation, reported.
 *
 * The original's customer and currency come from the invoice action's stored result (the
 * value's `Invoice`, removed from what is sent): the order is locked since, so they are what
 * Go invoiced. A result stored before it carried them (or no `Invoice`) falls back to what
 * the connector last saw of the order, else one read of it (facts.ts).
 *
 * `delete-draft`: `DELETE /SalesOrders/{id}`; an order already gone counts as deleted; an
 * invoiced order is refused by Go (locked) and reported.
 */
import { ConnectorError, isConnectorError } from '../errors.ts';
import type { OperationDeclaration } from '../spec.ts';
import type { EntityRecord, OperationResult, WriteOptions } from '../types.ts';
import type { PowerOfficeApi } from './api.ts';
import { SYSTEM } from './errors.ts';
import { orderFacts, type RecordFacts } from './facts.ts';
import { invoiceOperation, invoiceSalesOrder, readOrderFacts, sentState } from './invoice.ts';

export const creditNoteOperation: OperationDeclaration = {
  entity: 'salesorder',
  description:
    "credit the sales order's invoice: a credit-note draft (value: {ExternalImportReference, SalesOrderLines with negative quantities, …}) related to the invoice, invoiced like an order",
  options: invoiceOperation.options,
  value: 'required',
  result: [
    'CreditNoteNo',
    'CreditNoteId',
    'RelatedInvoiceNo',
    'TotalAmount',
    'CustomerId',
    'CurrencyCode',
    'CurrencyExchangeRate',
  ],
};

export const deleteDraftOperation: OperationDeclaration = {
  entity: 'salesorder',
  description: 'delete the sales order while it is a draft (Go refuses it once invoiced)',
  options: { type: 'object', properties: {} },
  value: 'none',
  result: ['SalesOrderId'],
};

/** Header fields a credit note takes from the original order (the mapping's value wins otherwise). */
const FROM_ORIGINAL = ['CustomerId', 'CurrencyCode', 'CurrencyExchangeRate'] as const;

function refused(message: string, path: string): ConnectorError {
  return new ConnectorError(`${SYSTEM}: ${message}`, { system: SYSTEM, kind: 'validation', path });
}

/** The mapping's value: an object with an ExternalImportReference and at least one line. */
function draftOf(value: unknown, id: string): EntityRecord & { ExternalImportReference: string } {
  const v = value as EntityRecord | null;
  const ref = v && typeof v === 'object' ? v.ExternalImportReference : undefined;
  const lines = v && typeof v === 'object' ? v.SalesOrderLines : undefined;
  if (typeof ref !== 'string' || ref.trim() === '')
    throw refused(
      `credit note for sales order ${id}: the value needs an ExternalImportReference`,
      'SalesOrders/Complete',
    );
  if (!Array.isArray(lines) || lines.length === 0)
    throw refused(
      `credit note ${ref} for sales order ${id}: the value has no SalesOrderLines`,
      'SalesOrders/Complete',
    );
  return v as EntityRecord & { ExternalImportReference: string };
}

export async function creditSalesOrder(
  api: PowerOfficeApi,
  id: string,
  request: {
    options: Readonly<Record<string, unknown>>;
    value?: unknown;
    resume: boolean;
    pass?: string | undefined;
  },
  facts: RecordFacts,
  options: WriteOptions = {},
): Promise<OperationResult> {
  const signal = options.signal ? { signal: options.signal } : {};
  const { Invoice: invoice, ...draft } = draftOf(request.value, id);
  const original: Readonly<Record<string, unknown>> =
    (invoice && typeof invoice === 'object' ? orderFacts(invoice as EntityRecord) : undefined) ??
    facts.order(id) ??
    (await readOrderFacts(api, id, facts, options.signal)) ??
    {};
  // The invoice number the mapping knows (the invoice action's result) saves a request;
  // Go checks that it is an invoice of the same customer.
  const given = draft.RelatedInvoiceNo;
  const invoiceNo =
    typeof given === 'number' && Number.isInteger(given) && given > 0
      ? given
      : (await sentState(api, id, options.signal))?.InvoiceNo;
  if (invoiceNo == null)
    throw refused(`sales order ${id} is not invoiced: there is no invoice to credit`, 'SalesOrders/Complete');
  const header: EntityRecord = { ...draft, RelatedInvoiceNo: invoiceNo };
  for (const field of FROM_ORIGINAL) if (original[field] != null) header[field] = original[field];
  let credit: EntityRecord;
  let again = false;
  try {
    credit = (await api.call('POST', 'SalesOrders/Complete', { json: header, ...signal }))
      .body as EntityRecord;
    facts.note('salesorder', credit);
  } catch (error) {
    // Made by an earlier attempt: take that draft (it may be invoiced already).
    if (!(isConnectorError(error, 'conflict') && error.existingId)) throw error;
    credit = (await api.call('GET', `SalesOrders/${encodeURIComponent(error.existingId)}`, signal))
      .body as EntityRecord;
    facts.note('salesorder', credit);
    again = true;
  }
  const creditId = String(credit.Id);
  const sent = await invoiceSalesOrder(
    api,
    creditId,
    { options: request.options, resume: again, pass: request.pass },
    facts,
    options,
  );
  return {
    result: {
      CreditNoteNo: sent.result.InvoiceNo,
      CreditNoteId: creditId,
      RelatedInvoiceNo: invoiceNo,
      TotalAmount: credit.TotalAmount ?? null,
      CustomerId: sent.result.CustomerId,
      CurrencyCode: sent.result.CurrencyCode,
      CurrencyExchangeRate: sent.result.CurrencyExchangeRate,
    },
    summary: `invoice ${invoiceNo} of sales order ${id} credited by credit note ${String(sent.result.InvoiceNo)}`,
  };
}

export async function deleteDraft(
  api: PowerOfficeApi,
  id: string,
  options: WriteOptions = {},
): Promise<OperationResult> {
  try {
    await api.call(
      'DELETE',
      `SalesOrders/${encodeURIComponent(id)}`,
      options.signal ? { signal: options.signal } : {},
    );
  } catch (error) {
    if (!isConnectorError(error, 'not-found')) throw error;
  }
  return { result: { SalesOrderId: id }, summary: `draft sales order ${id} deleted` };
}
