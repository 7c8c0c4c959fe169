/**
 * Which sales account, VAT code and rate a sales order line gets, as PowerOffice Go decides
 * it (there is no VAT field on products or lines):
 *
 * 1. Standard or optional sales account: the line's `UseStandardSalesAccount`; when null,
 *    the optional (VAT-free) account for a customer with `IsVatFree`, else the standard one.
 * 2. The account: the product's `StandardSalesAccountId` / `OptionalSalesAccountId`, else
 *    the client's sales settings (product groups are not modelled, see docs).
 * 3. The VAT code is the account's `VatCodeId`; its `Rate` is the line's VAT rate — 0 when
 *    the client is not VAT-registered.
 */
import { isNumber } from './domain.ts';
import { notFound, Problem } from './problem.ts';
import type { PowerOfficeState, Rec } from './state.ts';

export interface LineVat {
  account: Rec;
  vatCode: Rec;
  rate: number;
}

/** The account id a product line posts to (standard or optional). */
export function salesAccountId(state: PowerOfficeState, product: Rec, useStandard: boolean): number {
  const own = useStandard ? product.StandardSalesAccountId : product.OptionalSalesAccountId;
  if (isNumber(own)) return own;
  return useStandard
    ? state.salesSettings.StandardSalesAccountId
    : state.salesSettings.OptionalSalesAccountId;
}

export function usesStandardAccount(line: Rec, customer: Rec | undefined): boolean {
  if (typeof line.UseStandardSalesAccount === 'boolean') return line.UseStandardSalesAccount;
  return customer?.IsVatFree !== true;
}

/**
 * The line's account, VAT code and rate; undefined for a line without a product. `order`
 * for a line not stored yet (default: the line's own order).
 */
export function lineVat(state: PowerOfficeState, line: Rec, order?: Rec): LineVat | undefined {
  const product =
    line.ProductId !== null && line.ProductId !== undefined
      ? state.products.get(String(line.ProductId))
      : undefined;
  if (!product) return undefined;
  const owner = order ?? state.orders.get(String(line.SalesOrderId));
  const customer = owner ? state.customers.get(String(owner.CustomerId)) : undefined;
  const account = state.accounts.get(
    String(salesAccountId(state, product, usesStandardAccount(line, customer))),
  );
  if (!account) return undefined;
  const vatCode = state.vatCodes.get(String(account.VatCodeId));
  if (!vatCode) return undefined;
  const rate = state.vatSettings.IsVatRegistered === false ? 0 : Number(vatCode.Rate ?? 0);
  return { account, vatCode, rate };
}

/**
 * Resolve a sales account given on a product by id or (POST only) by number; the id wins.
 * The account must exist and be an income account.
 */
export function resolveSalesAccount(
  state: PowerOfficeState,
  id: unknown,
  number: unknown,
  which: 'StandardSalesAccount' | 'OptionalSalesAccount',
): number | null | undefined {
  let account: Rec | undefined;
  if (isNumber(id)) {
    account = state.accounts.get(String(id));
    if (!account) throw notFound('General ledger account', 'id', id);
  } else if (isNumber(number)) {
    account = [...state.accounts.values()].find((a) => a.AccountNo === number);
    if (!account) throw notFound('General ledger account', 'number', number);
  } else {
    return id === null ? null : undefined;
  }
  if (account.GeneralLedgerAccountType !== 'Income' || account.IsActive === false) {
    throw new Problem(
      400,
      'Product validation error(s)',
      `${which}: account ${String(account.AccountNo)} cannot be used as a sales account (only active income accounts can).`,
    );
  }
  return account.Id as number;
}
