/**
 * Which general ledger account a shop payment method's money is booked on: the
 * `payment_accounts` table of the PowerOffice Go system in mapsync.yaml (payment method id as
 * the shop names it → account number), with PowerOffice's recommended default of one asset
 * account per payment method (1902 Stripe, 1903 Vipps, 1904 Klarna) and the bank account 1920
 * for transfers, cheques and cash on delivery.
 *
 * Checked offline (`CFG_PAYMENT_ACCOUNT`: a method id as WooCommerce writes them, an account
 * number 1000–1999 other than the customer control account 1500) and against the client
 * (`PaymentAccounts`): the account must exist and be active, else the payment is refused as
 * `PAYMENT_ACCOUNT_INVALID` before anything is posted; `serve` warns at start (checkSetup).
 * The client's accounts and the id of VAT code 0 are read once and kept five minutes.
 */
import type { PowerOfficeApi } from './api.ts';

export const PAYMENT_ACCOUNT_INVALID = 'PAYMENT_ACCOUNT_INVALID';

/** An account of the client as the payments need it. */
export interface LedgerAccount {
  Id: number;
  AccountNo: number;
  IsActive: boolean;
  VatCodeId: number | null;
}

export interface PaymentSetup {
  /** The client's accounts of the table, by number (absent: not in the client's chart). */
  accounts: Map<number, LedgerAccount>;
  /** Id of VAT code 0 ("no VAT treatment"), for the customer line. */
  noVatId: number | undefined;
}

const KEEP_MS = 5 * 60_000;

/** The client's side of the table, read with two requests and kept five minutes. */
export class PaymentAccounts {
  private cached: { at: number; setup: Promise<PaymentSetup> } | undefined;

  constructor(
    private readonly api: PowerOfficeApi,
    readonly table: Readonly<Record<string, number>>,
    private readonly now: () => Date,
  ) {}

  setup(signal?: AbortSignal): Promise<PaymentSetup> {
    const t = this.now().getTime();
    if (this.cached && t - this.cached.at < KEEP_MS) return this.cached.setup;
    const setup = this.read(signal);
    this.cached = { at: t, setup };
    setup.catch(() => {
      if (this.cached?.setup === setup) this.cached = undefined;
    });
    return setup;
  }

  /** The account for a payment method, or why there is none (a refusal's reason). */
  async accountFor(
    method: string,
    signal?: AbortSignal,
  ): Promise<{ account: LedgerAccount; bankVatId: number; customerVatId: number } | { problem: string }> {
    const no = this.table[method];
    if (no === undefined)
      return {
        problem: `payment method "${method}" has no account in payment_accounts (mapsync.yaml, system poweroffice-go); methods: ${Object.keys(this.table).join(', ') || '(none)'}`,
      };
    const setup = await this.setup(signal);
    const account = setup.accounts.get(no);
    if (!account)
      return { problem: `account ${no} of payment method "${method}" does not exist in PowerOffice Go` };
    if (!account.IsActive)
      return { problem: `account ${no} of payment method "${method}" is inactive in PowerOffice Go` };
    const customerVatId = setup.noVatId;
    if (customerVatId === undefined)
      return { problem: 'PowerOffice Go has no VAT code 0 (no VAT treatment)' };
    // A VAT-locked account takes only its own code (payment accounts have code 0).
    return { account, bankVatId: account.VatCodeId ?? customerVatId, customerVatId };
  }

  /** One warning per method whose account is missing or inactive (serve's start check). */
  async problems(signal?: AbortSignal): Promise<string[]> {
    this.cached = undefined;
    const out: string[] = [];
    for (const method of Object.keys(this.table)) {
      const found = await this.accountFor(method, signal);
      if ('problem' in found) out.push(`${PAYMENT_ACCOUNT_INVALID}: ${found.problem}`);
    }
    return out;
  }

  private async read(signal?: AbortSignal): Promise<PaymentSetup> {
    const nos = [...new Set(Object.values(this.table))];
    const accounts = new Map<number, LedgerAccount>();
    if (nos.length > 0) {
      const response = await this.api.call('GET', 'GeneralLedgerAccounts', {
        searchParams: { accountNos: nos.join(',') },
        ...(signal ? { signal } : {}),
      });
      for (const a of (Array.isArray(response.body) ? response.body : []) as Array<Record<string, unknown>>) {
        if (typeof a.Id !== 'number' || typeof a.AccountNo !== 'number') continue;
        accounts.set(a.AccountNo, {
          Id: a.Id,
          AccountNo: a.AccountNo,
          IsActive: a.IsActive !== false,
          VatCodeId: typeof a.VatCodeId === 'number' ? a.VatCodeId : null,
        });
      }
    }
    const codes = await this.api.call('GET', 'VatCodes', signal ? { signal } : {});
    const zero = ((Array.isArray(codes.body) ? codes.body : []) as Array<Record<string, unknown>>).find(
      (c) => c.Code === '0',
    );
    return { accounts, noVatId: typeof zero?.Id === 'number' ? zero.Id : undefined };
  }
}
