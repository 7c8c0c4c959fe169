/**
 * The client's sales accounts as run settings (`$target_settings.<name>` in a mapping whose
 * target is this client), read with two listings per run, side by side: `GET /GeneralLedgerAccounts`
 * (income accounts, 3000–3999) and `GET /VatCodes`. PowerOffice Go has no VAT field on
 * products or lines: the VAT of a sale is the VAT code of its sales account, so a mapping
 * that sets a product's account by number needs the account's id (what `PATCH` takes), and
 * one that turns a net price into a gross one needs the account's rate.
 */
import { Decimal } from 'decimal.js';
import type { PowerOfficeApi } from './api.ts';

type Rec = Record<string, unknown>;

/** Every record of a listing, 1000 a page (at most 100 pages). */
export async function listAll(
  api: PowerOfficeApi,
  path: string,
  filters: Record<string, string>,
  signal?: AbortSignal,
) {
  const pageSize = 1000;
  const out: Rec[] = [];
  for (let page = 1; page <= 100; page++) {
    const response = await api.call('GET', path, {
      searchParams: { ...filters, PageNumber: page, PageSize: pageSize },
      ...(signal ? { signal } : {}),
    });
    const records = Array.isArray(response.body) ? (response.body as Rec[]) : [];
    out.push(...records);
    if (records.length < pageSize) break;
  }
  return out;
}

export async function readSalesAccounts(
  api: PowerOfficeApi,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  // Side by side: neither listing depends on the other.
  const [accounts, vatCodes] = await Promise.all([
    listAll(api, 'GeneralLedgerAccounts', { accountNos: '3000-3999' }, signal),
    listAll(api, 'VatCodes', { includeExpired: 'false' }, signal),
  ]);
  const codeById = new Map(vatCodes.map((v) => [String(v.Id), v]));
  const salesAccounts: Record<string, { id: number; vat_code: string | null; vat_rate: number | null }> = {};
  const rates: Record<string, number | null> = {};
  for (const account of accounts) {
    const code = codeById.get(String(account.VatCodeId));
    // Rate is a fraction (0.25); mappings speak percent (25).
    const rate =
      code && typeof code.Rate === 'number'
        ? new Decimal(code.Rate).times(100).toDecimalPlaces(4).toNumber()
        : null;
    salesAccounts[String(account.AccountNo)] = {
      id: Number(account.Id),
      vat_code: code ? String(code.Code) : null,
      vat_rate: rate,
    };
    rates[String(account.Id)] = rate;
  }
  return { sales_accounts: salesAccounts, sales_account_vat_rates: rates };
}
