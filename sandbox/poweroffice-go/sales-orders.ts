/**
 * Sales orders (invoice drafts) and their lines. Orders are created with their lines in
 * one call (`POST /SalesOrders/Complete`); afterwards header and lines are separate
 * resources. Computed: Id (uuid), SalesOrderNo, timestamps, CustomerNo, line amounts
 * (see amounts.ts), order NetAmount/TotalAmount/LineCount. Any line change moves the
 * order's LastChangedDateTimeOffset (its totals changed).
 *
 * Locking: a Confirmed order refuses every change except setting SalesOrderStatus back to
 * Draft, and refuses line changes and deletion. The vendor says Confirmed "locks the order
 * from edit"; the exact responses are unverified, so the sandbox picks the strict reading
 * (400 ProblemDetails naming the lock).
 */
import { randomUUID } from 'node:crypto';
import { lineAmounts, STANDARD_VAT_RATE, sum } from './amounts.ts';
import { after } from './customers.ts';
import { ensureUnique, invalid, isNumber, renderDto, sameText, stampInsert, validUuid } from './domain.ts';
import { applyJsonPatch } from './patch.ts';
import { notFound, notFoundById, Problem } from './problem.ts';
import { numberFilter, type Query } from './query.ts';
import { bind, rawProperty, SCHEMAS, validate } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const orderProps = SCHEMAS.salesorder.properties;
const lineProps = SCHEMAS.salesorderline.properties;

export function lockedProblem(id: string): Problem {
  return new Problem(
    400,
    'Sales order validation error(s)',
    `Sales order with id = ${id} is confirmed and locked for editing. Set SalesOrderStatus to Draft to unlock it.`,
  );
}

function orderOf(state: PowerOfficeState, id: string): Rec {
  const order = state.orders.get(id);
  if (!order) throw notFoundById('Sales order', id);
  return order;
}

function resolveCustomer(state: PowerOfficeState, values: Rec): Rec {
  if (values.CustomerId !== undefined && values.CustomerId !== null) {
    const c = state.customers.get(String(values.CustomerId));
    if (!c) throw notFound('Customer', 'id', values.CustomerId as number);
    return c;
  }
  if (values.CustomerNo !== undefined && values.CustomerNo !== null) {
    const c = [...state.customers.values()].find((x) => x.Number === values.CustomerNo);
    if (!c) throw notFound('Customer', 'number', values.CustomerNo as number);
    return c;
  }
  throw invalid('salesorder', 'A customer is required: set CustomerId or CustomerNo.');
}

function resolveProduct(state: PowerOfficeState, values: Rec): Rec | undefined {
  if (values.ProductId !== undefined && values.ProductId !== null) {
    const p = state.products.get(String(values.ProductId));
    if (!p) throw notFound('Product', 'id', values.ProductId as number);
    return p;
  }
  if (typeof values.ProductCode === 'string' && values.ProductCode !== '') {
    const p = [...state.products.values()].find((x) => sameText(x.Code, values.ProductCode));
    if (!p) throw notFound('Product', 'code', values.ProductCode);
    return p;
  }
  return undefined;
}

/** Bind and complete one line for `order` (not stored yet). */
function prepareLine(
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

export function createOrder(state: PowerOfficeState, input: unknown, options: { admin?: boolean } = {}): Rec {
  // Sequences move only when the order is stored.
  const saved = { ...state.seq };
  try {
    return insertOrder(state, input, options);
  } catch (error) {
    state.seq = saved;
    throw error;
  }
}

function insertOrder(state: PowerOfficeState, input: unknown, options: { admin?: boolean }): Rec {
  const admin = options.admin === true;
  const rawLines = rawProperty(input, 'SalesOrderLines');
  const values = bind(orderProps, input, admin);
  delete values.SalesOrderLines;
  validate('salesorder', orderProps, values);
  if (rawLines !== undefined && rawLines !== null && !Array.isArray(rawLines)) {
    throw new Problem(400, 'One or more validation errors occurred.', undefined, {
      '$.SalesOrderLines': ['The JSON value could not be converted to a list of sales order lines.'],
    });
  }
  const customer = resolveCustomer(state, values);
  delete values.CustomerNo;
  const order: Rec = {
    SalesOrderStatus: 'Draft',
    CurrencyCode: customer.CurrencyCode ?? 'NOK',
    CurrencyExchangeRate: 1,
    ...values,
    CustomerId: customer.Id,
  };
  order.Id = admin && typeof values.Id === 'string' && validUuid(values.Id) ? values.Id : randomUUID();
  if (state.orders.has(String(order.Id))) throw new Problem(400, 'Invalid record', 'Id is taken.');
  ensureUnique('salesorder', state.orders, 'ExternalImportReference', order.ExternalImportReference);
  const lines = ((rawLines as unknown[] | undefined) ?? []).map((l, i) =>
    prepareLine(state, order, l, i, admin),
  );
  lines.forEach((l, i) => {
    ensureUnique('salesorderline', lines.slice(0, i), 'ExternalImportReference', l.ExternalImportReference);
  });
  if (admin && isNumber(values.SalesOrderNo))
    state.seq.salesOrderNo = Math.max(state.seq.salesOrderNo, values.SalesOrderNo);
  else order.SalesOrderNo = state.nextId('salesOrderNo');
  order.IsCreatedByCurrentIntegration = admin ? values.IsCreatedByCurrentIntegration === true : true;
  stampInsert(state, order, ['LastChangedDateTimeOffset', 'CreatedDateTimeOffset']);
  state.orders.set(String(order.Id), order);
  for (const l of lines) state.lines.set(String(l.Id), l);
  state.changed();
  return order;
}

/** Everything but `SalesOrderStatus → Draft` is refused on a Confirmed order. */
function onlyUnlocks(body: unknown): boolean {
  if (!Array.isArray(body) || body.length === 0) return false;
  return body.every((op) => {
    const o = op as Record<string, unknown>;
    const name = typeof o?.op === 'string' ? o.op.toLowerCase() : '';
    if (name === 'test') return true;
    return (
      (name === 'replace' || name === 'add') &&
      typeof o.path === 'string' &&
      o.path.toLowerCase() === '/salesorderstatus' &&
      typeof o.value === 'string' &&
      o.value.toLowerCase() === 'draft'
    );
  });
}

export function patchOrder(state: PowerOfficeState, id: string, body: unknown): Rec {
  const current = orderOf(state, id);
  if (current.SalesOrderStatus === 'Confirmed' && !onlyUnlocks(body)) throw lockedProblem(id);
  const { values, changed } = applyJsonPatch('salesorder', current, body);
  if (changed.length === 0) return current;
  validate('salesorder', orderProps, values);
  const next: Rec = { ...current, ...values };
  delete next.CustomerNo;
  if (changed.includes('CustomerId'))
    next.CustomerId = resolveCustomer(state, { CustomerId: values.CustomerId }).Id;
  ensureUnique('salesorder', state.orders, 'ExternalImportReference', next.ExternalImportReference, id);
  next.LastChangedDateTimeOffset = state.clock.next();
  state.orders.set(id, next);
  state.changed();
  return next;
}

export function deleteOrder(state: PowerOfficeState, id: string): void {
  const order = orderOf(state, id);
  if (order.SalesOrderStatus === 'Confirmed') throw lockedProblem(id);
  for (const line of state.linesOf(id)) state.lines.delete(String(line.Id));
  state.orders.delete(id);
  state.changed();
}

export function renderLine(state: PowerOfficeState, line: Rec): Rec {
  const out = renderDto(lineProps, line);
  const product =
    line.ProductId !== null && line.ProductId !== undefined
      ? state.products.get(String(line.ProductId))
      : undefined;
  out.ProductCode = product?.Code ?? null;
  const vatRate = product ? STANDARD_VAT_RATE : null;
  out.VatRate = vatRate;
  out.VatCode = product ? '3' : null;
  out.VatId = product ? 3 : null;
  Object.assign(out, lineAmounts(line.Quantity, line.ProductUnitPrice, line.Allowance, vatRate ?? 0));
  return out;
}

export function renderOrder(state: PowerOfficeState, order: Rec, complete = false): Rec {
  const out = renderDto(orderProps, order, complete ? [] : ['SalesOrderLines']);
  const lines = state.linesOf(String(order.Id)).map((l) => renderLine(state, l));
  out.CustomerNo = state.customers.get(String(order.CustomerId))?.Number ?? null;
  out.NetAmount = sum(lines.map((l) => l.NetAmount as number));
  out.TotalAmount = sum(lines.map((l) => l.TotalAmount as number));
  out.LineCount = lines.length;
  if (complete) out.SalesOrderLines = lines;
  return out;
}

export function filterOrders(state: PowerOfficeState, q: Query): Rec[] {
  const status = q.oneOf('orderStatus', ['Draft', 'Confirmed'] as const);
  const changedAfter = q.timestamp('lastChangedDateTimeOffsetGreaterThan');
  const nos = q.list('customerNos');
  const byNo = nos ? numberFilter(nos, 'customerNos') : undefined;
  const onlyOurs = q.bool('onlyCreatedByCurrentIntegration');
  return [...state.orders.values()].filter((o) => {
    if (status && o.SalesOrderStatus !== status) return false;
    if (changedAfter !== undefined && !after(o.LastChangedDateTimeOffset, changedAfter)) return false;
    if (byNo && !byNo(state.customers.get(String(o.CustomerId))?.Number)) return false;
    if (onlyOurs === true && o.IsCreatedByCurrentIntegration !== true) return false;
    return true;
  });
}

// ---- lines ----------------------------------------------------------------------------

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

function touch(state: PowerOfficeState, order: Rec): void {
  order.LastChangedDateTimeOffset = state.clock.next();
  state.changed();
}

export function createLine(
  state: PowerOfficeState,
  orderId: string,
  input: unknown,
  options: { admin?: boolean } = {},
): Rec {
  const order = orderOf(state, orderId);
  if (order.SalesOrderStatus === 'Confirmed' && !options.admin) throw lockedProblem(orderId);
  const existing = state.linesOf(orderId);
  const nextSort = existing.reduce((max, l) => Math.max(max, Number(l.SortOrder ?? 0) + 1), 0);
  const line = prepareLine(state, order, input, nextSort, options.admin === true);
  ensureUnique('salesorderline', existing, 'ExternalImportReference', line.ExternalImportReference);
  state.lines.set(String(line.Id), line);
  touch(state, order);
  return line;
}

export function patchLine(state: PowerOfficeState, orderId: string, lineId: string, body: unknown): Rec {
  const order = orderOf(state, orderId);
  const current = getLine(state, orderId, lineId);
  if (order.SalesOrderStatus === 'Confirmed') throw lockedProblem(orderId);
  const { values, changed } = applyJsonPatch('salesorderline', current, body);
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
  touch(state, order);
  return next;
}

export function deleteLine(state: PowerOfficeState, orderId: string, lineId: string): void {
  const order = orderOf(state, orderId);
  getLine(state, orderId, lineId);
  if (order.SalesOrderStatus === 'Confirmed') throw lockedProblem(orderId);
  state.lines.delete(lineId);
  touch(state, order);
}
