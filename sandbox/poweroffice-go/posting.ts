/**
 * Turning a sales order into a posted outgoing invoice or credit note, as Go does when a
 * send request completes: the lines are frozen with the account and VAT they were posted
 * with (new line ids; the WooCommerce line reference survives in ExternalImportReference),
 * amounts are converted to the client currency at the order's rate, the invoice number and
 * voucher number are the next of their series, the customer ledger gets the invoice's
 * entry (and settles what it settles, ledger.ts), and stock items leave the stock (credit
 * notes bring them back) without moving the products' LastChangedDateTimeOffset.
 *
 * An order whose lines sum to less than zero becomes a credit note (OutgoingCreditNote); one
 * with a RelatedInvoiceNo is applied to that invoice's open balance (credit-notes.ts).
 */
import { Decimal } from 'decimal.js';
import { posted, sum } from './amounts.ts';
import { applyCreditNote } from './credit-notes.ts';
import { addDays } from './dates.ts';
import { isNumber } from './domain.ts';
import { postEntry } from './ledger.ts';
import { renderLine } from './sales-order-lines.ts';
import type { PowerOfficeState, Rec } from './state.ts';
import { lineVat } from './vat.ts';

export interface PostingRequest {
  voucherDate: string;
  dueDate?: string | undefined;
  deliveryType: string;
  /** Null when nothing was delivered (PdfPrintForDownload). */
  sentAt: string | null;
  exchangeRate: number;
}

/** Post the order as an invoice; returns the invoice record. */
export function postInvoice(state: PowerOfficeState, orderId: string, request: PostingRequest): Rec {
  const order = state.orders.get(orderId)!;
  const rate = request.exchangeRate;
  const lines = state.linesOf(orderId).map((line) => invoiceLine(state, line, order, rate));
  const net = sum(lines.map((l) => l.NetAmount as number));
  const total = sum(lines.map((l) => l.TotalAmount as number));
  const type = total < 0 ? 'OutgoingCreditNote' : 'OutgoingInvoice';
  const invoiceNo = state.nextId('invoiceNo');
  const voucherNo = state.nextId('voucherNo');
  const paymentTerm = state.salesSettings.PaymentTermDays;
  const dueDate = request.dueDate ?? addDays(request.voucherDate, paymentTerm);
  const now = state.clock.next();
  const invoice: Rec = {
    Id: order.Id,
    InvoiceNo: invoiceNo,
    VoucherNo: voucherNo,
    VoucherType: type,
    VoucherDate: request.voucherDate,
    DueDate: dueDate,
    OrderDate: order.SalesOrderDate ?? String(order.CreatedDateTimeOffset).slice(0, 10),
    DeliveryDate: order.DeliveryDate ?? request.voucherDate,
    CustomerId: order.CustomerId,
    OrderNo: order.SalesOrderNo,
    ImportedOrderNo: order.ImportedOrderNo ?? null,
    ExternalImportReference: order.ExternalImportReference ?? null,
    CustomMatchingReference: order.CustomMatchingReference ?? null,
    CurrencyCode: order.CurrencyCode,
    CurrencyExchangeRate: rate,
    NetAmount: net,
    TotalAmount: total,
    NetPostedAmount: posted(net, rate),
    TotalPostedAmount: posted(total, rate),
    SentDateTimeOffset: request.sentAt,
    IsReversed: false,
    RelatedInvoiceNo: type === 'OutgoingCreditNote' ? (order.RelatedInvoiceNo ?? null) : null,
    IsCreatedByCurrentIntegration: order.IsCreatedByCurrentIntegration === true,
    InvoiceDeliveryType: request.deliveryType,
    CustomerReference: order.CustomerReference ?? null,
    CustomerReferenceContactPersonId: order.CustomerReferenceContactPersonId ?? null,
    PurchaseOrderReference: order.PurchaseOrderReference ?? null,
    ContractNo: order.ContractNo ?? null,
    PaymentTerm: request.dueDate ? null : paymentTerm,
    CreatedDateTimeOffset: order.CreatedDateTimeOffset,
    LastChangedDateTimeOffset: now,
    Lines: lines,
  };
  invoice._ledgerEntryId = postEntry(state, {
    CustomerId: order.CustomerId as number,
    VoucherId: String(order.Id),
    VoucherNo: voucherNo,
    VoucherType: type,
    VoucherDate: request.voucherDate,
    PostingDate: request.voucherDate,
    DueDate: dueDate,
    Amount: invoice.TotalPostedAmount as number,
    CurrencyAmount: total,
    CurrencyCode: String(order.CurrencyCode),
    InvoiceNo: String(invoiceNo),
    CustomMatchingReference: (order.CustomMatchingReference as string | undefined) ?? null,
    ExternalImportReference: (order.ExternalImportReference as string | undefined) ?? null,
    IsCreatedByCurrentIntegration: invoice.IsCreatedByCurrentIntegration as boolean,
  });
  state.invoices.set(String(invoice.Id), invoice);
  applyCreditNote(state, invoice);
  takeFromStock(state, lines);
  state.orders.set(orderId, {
    ...order,
    _invoicing: { status: 'invoiced', invoiceNo },
    LastChangedDateTimeOffset: state.clock.next(),
  });
  state.changed();
  return invoice;
}

function invoiceLine(state: PowerOfficeState, line: Rec, order: Rec, rate: number): Rec {
  const shown = renderLine(state, line, order);
  const vat = lineVat(state, line, order);
  return {
    Id: state.nextId('lineId'),
    AccountId: vat?.account.Id ?? null,
    AccountNo: vat?.account.AccountNo ?? null,
    VatCode: shown.VatCode,
    VatId: shown.VatId,
    VatRate: shown.VatRate,
    VatAmount: shown.VatAmount,
    NetAmount: shown.NetAmount,
    TotalAmount: shown.TotalAmount,
    NetPostedAmount: posted(shown.NetAmount, rate),
    TotalPostedAmount: posted(shown.TotalAmount, rate),
    ProductId: shown.ProductId ?? null,
    ProductCode: shown.ProductCode,
    Quantity: shown.Quantity ?? null,
    ProductUnitPrice: shown.ProductUnitPrice ?? null,
    ProductUnitCost: shown.ProductUnitCost ?? null,
    Allowance: shown.Allowance ?? null,
    Description: shown.Description ?? null,
    ExternalImportReference: shown.ExternalImportReference ?? null,
    SortOrder: shown.SortOrder ?? null,
    IsAccrued: false,
    LineType: shown.LineType ?? 'Normal',
    UnitOfMeasureCode: shown.UnitOfMeasureCode ?? null,
    VatReturnSpecification: shown.VatReturnSpecification ?? null,
  };
}

/** Invoiced quantities leave the stock of stock items (credited ones come back). */
function takeFromStock(state: PowerOfficeState, lines: Rec[]): void {
  const byProduct = new Map<string, Decimal>();
  for (const l of lines) {
    if (!isNumber(l.ProductId) || !isNumber(l.Quantity)) continue;
    const key = String(l.ProductId);
    byProduct.set(key, (byProduct.get(key) ?? new Decimal(0)).plus(l.Quantity));
  }
  for (const [id, quantity] of byProduct) {
    const product = state.products.get(id);
    if (product?.IsStockItem !== true || !isNumber(product.StockOnHand)) continue;
    state.products.set(id, {
      ...product,
      StockOnHand: new Decimal(product.StockOnHand).minus(quantity).toNumber(),
      StockOnHandLastChangedDatetimeOffset: state.clock.next(),
    });
  }
}
