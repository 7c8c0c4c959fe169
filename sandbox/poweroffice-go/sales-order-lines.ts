/**
 * Sales order lines: bound and completed from their product (description, price, cost,
 * unit), with the customer's allowance as default; rendered with the VAT of their sales
 * account (vat.ts) and amounts (amounts.ts). Lines of a Confirmed order, or of an order
 * that is being or has been invoiced, cannot change.
 */
import { randomUUID } from 'node:crypto';
import { lineAmounts } from './amounts.ts';
import { ensureUnique, invalid, isNumber, renderDto, validUuid } from './domain.ts';
import { ensureNotInvoiced, lockedProblem, orderOf, touchOrder } from './order-locks.ts';
import { applyJsonPatch } from './patch.ts';
import { notFound, notFoundById } from './problem.ts';
import { bind, SCHEMAS, validate } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';
import { lineVat } from './vat.ts';

const lineProps = SCHEMAS.salesorderline.properties;

function resolveProduct(state: PowerOfficeState, values: Rec): Rec | undefined {
  if (values.ProductId !== undefined && values.ProductId !== null) {
    const p = state.products.get(String(values.ProductId));
    if (!p) throw notFound('Product', 'id', values.ProductId as number);
    return p;
  }
  if (typeof values.ProductCode === 'string' && values.ProductCode !== '') {
    const id = state.products.holders('Code', values.ProductCode)[0];
    const p = id === undefined ? undefined : state.products.get(id);
    if (!p) throw notFound('Product', 'code', values.ProductCode);
    return p;
  }
  return undefined;
}

/** Bind and complete one line for `order` (not stored yet). */
export function prepareLine(
  state: PowerOfficeState,
  order: Rec,
  input: unknown,
  sortOrder: number,
  admin: boolean,
): Rec {
  const values = bind(lineProps, input, admin);
  validate('salesorderline', lineProps, values);
  const product = resolveProduct(state, values);
  delete values.ProductCode;
  const line: Rec = { LineType: 'Normal', ...values };
  line.Id = admin && typeof values.Id === 'string' && validUuid(values.Id) ? values.Id : randomUUID();
  line.SalesOrderId = order.Id;
  if (product) {
    line.ProductId = product.Id;
    line.Description ??= product.Name;
    line.ProductUnitPrice ??= product.UnitPrice ?? null;
    line.ProductUnitCost ??= product.UnitCost ?? null;
    line.UnitOfMeasureCode ??= product.UnitOfMeasureCode ?? null;
  }
  const customer = state.customers.get(String(order.CustomerId));
  line.Allowance ??= isNumber(customer?.Allowance) ? customer.Allowance : 0;
  line.SortOrder ??= sortOrder;
  checkLine(line);
  return line;
}

function checkLine(line: Rec): void {
  if (line.ProductId !== null && line.ProductId !== undefined && !isNumber(line.Quantity)) {
    throw invalid('salesorderline', 'Quantity is required when a product is set on the line.');
  }
  if (isNumber(line.Allowance) && (line.Allowance < -1000 || line.Allowance > 100)) {
    throw invalid('salesorderline', 'Allowance must be between -1000 and 100.');
  }
}

/** The line as the API shows it; `order` defaults to the line's own. */
export function renderLine(state: PowerOfficeState, line: Rec, order?: Rec): Rec {
  const out = renderDto(lineProps, line);
  const product =
    line.ProductId !== null && line.ProductId !== undefined
      ? state.products.get(String(line.ProductId))
      : undefined;
  out.ProductCode = product?.Code ?? null;
  const vat = lineVat(state, line, order);
  out.VatRate = vat ? vat.rate : null;
  out.VatCode = vat ? (vat.vatCode.Code as string) : null;
  out.VatId = vat ? (vat.vatCode.Id as number) : null;
  Object.assign(
    out,
    lineAmounts(vat ? line.Quantity : undefined, line.ProductUnitPrice, line.Allowance, vat?.rate ?? 0),
  );
  return out;
}

export function listLines(state: PowerOfficeState, orderId: string): Rec[] {
  orderOf(state, orderId);
  return state.linesOf(orderId);
}

export function getLine(state: PowerOfficeState, orderId: string, lineId: string): Rec {
  orderOf(state, orderId);
  const line = state.lines.get(lineId);
  if (!line || line.SalesOrderId !== orderId) throw notFoundById('Sales order line', lineId);
  return line;
}

function ensureEditable(order: Rec, admin = false): void {
  ensureNotInvoiced(order);
  if (order.SalesOrderStatus === 'Confirmed' && !admin) throw lockedProblem(String(order.Id));
}

export function createLine(
  state: PowerOfficeState,
  orderId: string,
  input: unknown,
  options: { admin?: boolean } = {},
): Rec {
  const order = orderOf(state, orderId);
  ensureEditable(order, options.admin);
  const existing = state.linesOf(orderId);
  const nextSort = existing.reduce((max, l) => Math.max(max, Number(l.SortOrder ?? 0) + 1), 0);
  const line = prepareLine(state, order, input, nextSort, options.admin === true);
  ensureUnique('salesorderline', existing, 'ExternalImportReference', line.ExternalImportReference);
  state.lines.set(String(line.Id), line);
  touchOrder(state, order);
  return line;
}

export function patchLine(state: PowerOfficeState, orderId: string, lineId: string, body: unknown): Rec {
  const order = orderOf(state, orderId);
  const current = getLine(state, orderId, lineId);
  ensureEditable(order);
  const { values, changed } = applyJsonPatch('salesorderline', current, body, state.rules);
  if (changed.length === 0) return current;
  validate('salesorderline', lineProps, values);
  const next: Rec = { ...current, ...values };
  delete next.ProductCode;
  if (changed.includes('ProductId') && next.ProductId !== null) {
    next.ProductId = resolveProduct(state, { ProductId: next.ProductId })!.Id;
  }
  checkLine(next);
  const siblings = state.linesOf(orderId);
  ensureUnique('salesorderline', siblings, 'ExternalImportReference', next.ExternalImportReference, lineId);
  state.lines.set(lineId, next);
  touchOrder(state, order);
  return next;
}

export function deleteLine(state: PowerOfficeState, orderId: string, lineId: string): void {
  const order = orderOf(state, orderId);
  getLine(state, orderId, lineId);
  ensureEditable(order);
  state.lines.delete(lineId);
  touchOrder(state, order);
}
