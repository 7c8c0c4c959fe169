/**
 * Products: create (POST answers 200, not 201), patch, delete, render and filter. Rules:
 * Name required on create, Code unique, StockOnHand only on stock items, sales accounts
 * (by id, or by number on POST) must be existing income accounts. A change of StockOnHand
 * alone moves StockOnHandLastChangedDatetimeOffset but not LastChangedDateTimeOffset (as
 * documented by the vendor); so does invoicing, which takes stock out (invoicing.ts).
 * StockAvailable = StockOnHand minus the quantities on Confirmed, not yet invoiced orders.
 * The account numbers (StandardSalesAccount, OptionalSalesAccount) are rendered from the
 * ids; a product without its own account shows null and inherits the client's (vat.ts).
 */
import { sum } from './amounts.ts';
import { after } from './customers.ts';
import {
  ensureUnique,
  invalid,
  isNumber,
  keepingSequences,
  renderDto,
  required,
  sameText,
  stampInsert,
} from './domain.ts';
import { applyJsonPatch } from './patch.ts';
import { notFoundById, Problem } from './problem.ts';
import type { Query } from './query.ts';
import { bind, SCHEMAS, validate } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';
import { resolveSalesAccount } from './vat.ts';

const props = SCHEMAS.product.properties;

export function createProduct(
  state: PowerOfficeState,
  input: unknown,
  options: { admin?: boolean } = {},
): Rec {
  return keepingSequences(state, () => insertProduct(state, input, options));
}

function insertProduct(state: PowerOfficeState, input: unknown, options: { admin?: boolean }): Rec {
  const values = bind(props, input, options.admin);
  validate('product', props, values);
  if (typeof values.Name !== 'string' || values.Name.trim() === '') throw required('Name');
  const rec: Rec = { ProductType: 'Product', IsArchived: false, IsStockItem: false, ...values };
  for (const which of ['StandardSalesAccount', 'OptionalSalesAccount'] as const) {
    const id = resolveSalesAccount(state, rec[`${which}Id`], rec[which], which);
    delete rec[which];
    if (id === undefined) delete rec[`${which}Id`];
    else rec[`${which}Id`] = id;
  }
  if (options.admin && rec.Id !== undefined) {
    if (!isNumber(rec.Id) || state.products.has(String(rec.Id)))
      throw new Problem(400, 'Invalid record', 'Id is missing or taken.');
    state.seq.productId = Math.max(state.seq.productId, rec.Id);
  } else {
    rec.Id = state.nextId('productId');
  }
  applyRules(state, rec);
  stampInsert(state, rec, ['LastChangedDateTimeOffset', 'CreatedDateTimeOffset']);
  if (isNumber(rec.StockOnHand)) rec.StockOnHandLastChangedDatetimeOffset ??= rec.LastChangedDateTimeOffset;
  state.products.set(String(rec.Id), rec);
  state.changed();
  return rec;
}

export function patchProduct(state: PowerOfficeState, id: string, body: unknown): Rec {
  const current = state.products.get(id);
  if (!current) throw notFoundById('Product', id);
  const { values, changed } = applyJsonPatch('product', current, body, state.rules);
  if (changed.length === 0) return current;
  validate('product', props, values);
  const next: Rec = { ...current, ...values };
  if (typeof next.Name !== 'string' || next.Name.trim() === '') throw invalid('product', 'Name is required.');
  for (const which of ['StandardSalesAccount', 'OptionalSalesAccount'] as const) {
    if (changed.includes(`${which}Id`))
      next[`${which}Id`] = resolveSalesAccount(state, next[`${which}Id`], undefined, which) ?? null;
  }
  applyRules(state, next);
  const now = state.clock.next();
  if (changed.includes('StockOnHand')) next.StockOnHandLastChangedDatetimeOffset = now;
  if (changed.some((k) => k !== 'StockOnHand')) next.LastChangedDateTimeOffset = now;
  state.products.set(id, next);
  state.changed();
  return next;
}

export function deleteProduct(state: PowerOfficeState, id: string): void {
  if (!state.products.has(id)) throw notFoundById('Product', id);
  const inUse = [...state.lines.values()].some((l) => String(l.ProductId) === id);
  if (inUse)
    throw new Problem(409, 'Product conflict', `Product with id = ${id} is in use and cannot be deleted.`);
  state.products.delete(id);
  state.changed();
}

export function renderProduct(state: PowerOfficeState, rec: Rec): Rec {
  const out = renderDto(props, rec);
  out.StandardSalesAccount = accountNo(state, rec.StandardSalesAccountId);
  out.OptionalSalesAccount = accountNo(state, rec.OptionalSalesAccountId);
  if (rec.IsStockItem === true && isNumber(rec.StockOnHand)) {
    const reserved = [...state.lines.values()].filter((l) => {
      if (String(l.ProductId) !== String(rec.Id)) return false;
      const order = state.orders.get(String(l.SalesOrderId));
      return order?.SalesOrderStatus === 'Confirmed' && order._invoicing === undefined;
    });
    out.StockAvailable = sum([
      rec.StockOnHand,
      ...reserved.map((l) => -(isNumber(l.Quantity) ? l.Quantity : 0)),
    ]);
  } else {
    out.StockAvailable = null;
  }
  return out;
}

export function filterProducts(state: PowerOfficeState, q: Query): Rec[] {
  const codes = q.list('codes');
  const names = q.list('names');
  const groups = q.list('productGroupCodes');
  const type = q.oneOf('type', ['Product', 'Service'] as const);
  const archived = q.bool('isArchived');
  const changedAfter = q.timestamp('lastChangedDateTimeOffsetGreaterThan');
  const createdAfter = q.timestamp('createdDateTimeOffsetGreaterThan');
  const stockAfter = q.timestamp('stockOnHandLastChangedDatetimeOffsetGreaterThan');
  return [...state.products.values()].filter((p) => {
    if (codes && !codes.some((c) => sameText(p.Code, c))) return false;
    if (names && !names.some((n) => sameText(p.Name, n))) return false;
    if (groups && !groups.some((g) => sameText(p.ProductGroupCode, g))) return false;
    if (type && p.ProductType !== type) return false;
    if (archived !== undefined && (p.IsArchived === true) !== archived) return false;
    if (changedAfter !== undefined && !after(p.LastChangedDateTimeOffset, changedAfter)) return false;
    if (createdAfter !== undefined && !after(p.CreatedDateTimeOffset, createdAfter)) return false;
    if (stockAfter !== undefined && !after(p.StockOnHandLastChangedDatetimeOffset, stockAfter)) return false;
    return true;
  });
}

function accountNo(state: PowerOfficeState, id: unknown): number | null {
  const no = id === null || id === undefined ? undefined : state.accounts.get(String(id))?.AccountNo;
  return typeof no === 'number' ? no : null;
}

function applyRules(state: PowerOfficeState, rec: Rec): void {
  ensureUnique('product', state.products, 'Code', rec.Code, rec.Id);
  if (rec.StockOnHand !== null && rec.StockOnHand !== undefined && rec.IsStockItem !== true) {
    throw invalid('product', 'StockOnHand can only be set when IsStockItem is true.');
  }
}
