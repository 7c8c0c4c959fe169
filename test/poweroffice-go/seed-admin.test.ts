/**
 * The seed generator and admin endpoints of the tax model and order-to-cash: per-rate
 * service products, companies with contact persons, products over all VAT rates, invoiced
 * orders with open balances; admin records, settings and persistence of the ledger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { startPowerOfficeSandbox } from '../../sandbox/poweroffice-go/index.ts';
import { validOrganizationNumber } from '../../sandbox/poweroffice-go/org-number.ts';
import { type Fixture, raw, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

type Json = EntityRecord;
const SEED = {
  customers: 2,
  companies: 3,
  products: 8,
  vatMix: true,
  invoicedOrders: 4,
  seed: 3,
};
const admin = async (f: Fixture, method: string, path: string, body?: unknown) => {
  const r = await fetch(`${f.sb.adminUrl}/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as Json };
};

describe('PowerOffice Go sandbox: seed', () => {
  it('generates per-rate service products, companies with contacts, products over all rates and open invoices', async () => {
    fx = await start({ rateLimit: false, seed: SEED });
    const services = (await raw(fx.sb, 'GET', 'Products?type=Service')).json as Json[];
    expect(services.map((p) => [p.Code, p.StandardSalesAccount])).toEqual([
      ['FRAKT', null],
      ['GEBYR', null],
      ['FRAKT15', 3030],
      ['FRAKT12', 3020],
      ['FRAKT0', 3100],
      ['GEBYR15', 3030],
      ['GEBYR12', 3020],
      ['GEBYR0', 3100],
      ['AVRUNDING', 3000],
      ['AVRUNDING15', 3030],
      ['AVRUNDING12', 3020],
      ['AVRUNDING0', 3100],
    ]);
    const goods = (await raw(fx.sb, 'GET', 'Products?type=Product')).json as Json[];
    expect(new Set(goods.map((p) => p.StandardSalesAccount))).toEqual(new Set([3000, 3030, 3020, 3100]));
    const customers = (await raw(fx.sb, 'GET', 'Customers')).json as Json[];
    const companies = customers.filter((c) => c.IsPerson === false);
    expect(companies).toHaveLength(3);
    for (const c of companies) expect(validOrganizationNumber(String(c.OrganizationNumber))).toBe(true);
    const contacts = (await raw(fx.sb, 'GET', 'ContactPersons')).json as Json[];
    expect(new Set(contacts.map((p) => p.ContactId))).toEqual(new Set(companies.map((c) => c.Id)));
    const invoices = (await raw(fx.sb, 'GET', 'OutgoingInvoices?onlyUnpaidInvoices=true')).json as Json[];
    expect(invoices).toHaveLength(4);
    expect(invoices.every((i) => i.Balance === i.TotalPostedAmount && (i.Balance as number) > 0)).toBe(true);
    // The same seed gives the same client.
    const again = await startPowerOfficeSandbox({ seed: SEED });
    try {
      expect([...again.state.customers.values()].map((c) => c.OrganizationNumber ?? c.EmailAddress)).toEqual(
        [...fx.sb.state.customers.values()].map((c) => c.OrganizationNumber ?? c.EmailAddress),
      );
    } finally {
      await again.close();
    }
  });
});

describe('PowerOffice Go sandbox: admin', () => {
  it('inserts contact persons, accounts, VAT codes, currencies and vouchers; validates settings', async () => {
    fx = await start({ rateLimit: false, seed: false });
    const [customer] = (await admin(fx, 'POST', 'records/customer', { Name: 'A AS', EmailAddress: 'a@a.no' }))
      .json as unknown as Json[];
    const person = await admin(fx, 'POST', 'records/contactperson', {
      ContactId: customer!.Id,
      FirstName: 'K',
      LastName: 'N',
    });
    expect(person.status).toBe(200);
    const vat = await admin(fx, 'POST', 'records/vatcode', {
      Id: 77,
      Code: 'C3',
      Name: 'Custom',
      Rate: 0.25,
    });
    expect(vat.status).toBe(200);
    const account = await admin(fx, 'POST', 'records/account', {
      Id: 9,
      AccountNo: 3010,
      Name: 'Salg custom',
      VatCodeId: 77,
    });
    expect(account.json).toMatchObject([
      { AccountNo: 3010, VatCode: 'C3', GeneralLedgerAccountType: 'Income' },
    ]);
    expect(
      (await admin(fx, 'POST', 'records/account', { Id: 10, AccountNo: 3010, VatCodeId: 77 })).status,
    ).toBe(400);
    expect(
      (
        await admin(fx, 'POST', 'records/currency', {
          Code: 'ISK',
          Notation: 'Icelandic króna',
          IsActive: true,
        })
      ).status,
    ).toBe(200);
    expect(((await raw(fx.sb, 'GET', 'Currencies?currencyCode=ISK')).json as Json[])[0]).toMatchObject({
      IsActive: true,
    });
    // A voucher someone else posted: on the ledger, but not readable through the API.
    const voucher = await admin(fx, 'POST', 'records/bankvoucher', {
      CurrencyCode: 'NOK',
      VoucherDate: '2026-12-01',
      VoucherLines: [
        { AccountId: 4101920, PostingDate: '2026-12-01', VatId: 10, CurrencyAmount: 50 },
        {
          AccountId: customer!.SubledgerAccountId,
          PostingDate: '2026-12-01',
          VatId: 10,
          CurrencyAmount: -50,
        },
      ],
    });
    const voucherId = (voucher.json as unknown as Json[])[0]!.Id;
    expect((await raw(fx.sb, 'GET', `Vouchers/BankJournals/${String(voucherId)}`)).status).toBe(404);
    const open = (await raw(fx.sb, 'GET', 'Customerledger/OpenItems?date=2026-12-31')).json as Json[];
    expect(open[0]).toMatchObject({ Amount: -50, IsCreatedByCurrentIntegration: false });

    expect((await admin(fx, 'PUT', 'settings', { rules: { nope: true } })).status).toBe(400);
    expect((await admin(fx, 'PUT', 'settings', { replicaLagMs: -1 })).status).toBe(400);
    const settings = await admin(fx, 'PUT', 'settings', {
      replicaLagMs: 1000,
      rules: { strictPersons: false },
      invoicing: { pollsUntilDone: 5 },
    });
    expect(settings.json).toMatchObject({
      replicaLagMs: 1000,
      rules: { strictPersons: false, organizationNumberCheck: true },
      invoicing: { pollsUntilDone: 5, processingMs: 2000 },
    });
    await admin(fx, 'POST', 'reset');
    expect(fx.sb.state.rules.strictPersons).toBe(true);
    expect(fx.sb.state.accounts.size).toBeGreaterThan(10);
    expect(fx.sb.state.ledger.size).toBe(0);
  });

  it('persists invoices, the ledger, send states and settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'po-sandbox-ledger-'));
    const file = join(dir, 'state.json');
    try {
      const first = await startPowerOfficeSandbox({
        persistFile: file,
        rateLimit: false,
        seed: { customers: 1, products: 2, invoicedOrders: 1 },
        rules: { strictPersons: false },
      });
      const invoiceNo = [...first.state.invoices.values()][0]!.InvoiceNo;
      await first.close();
      const second = await startPowerOfficeSandbox({ persistFile: file });
      try {
        expect([...second.state.invoices.values()].map((i) => i.InvoiceNo)).toEqual([invoiceNo]);
        expect(second.state.ledger.size).toBe(1);
        expect(second.state.rules.strictPersons).toBe(false);
        expect(second.state.seq.invoiceNo).toBe(invoiceNo);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
