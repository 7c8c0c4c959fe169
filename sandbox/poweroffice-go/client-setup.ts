/**
 * What every PowerOffice Go client has before any integration writes to it: the VAT codes
 * (SAF-T standard codes), a Norwegian standard chart of accounts (NS 4102) with the
 * accounts a web shop needs, the client's sales settings (default standard and optional
 * sales accounts), its VAT settings and the currencies Go knows. Account ids are not the
 * account numbers (3000 has id 4103000), so a client that confuses the two is caught.
 */
import type { PowerOfficeState, Rec } from './state.ts';

const SAF_T_FROM = '2017-01-01';

export const VAT_CODES: Rec[] = [
  {
    Id: 10,
    Code: '0',
    Name: 'Ingen mva-behandling',
    Description: 'No VAT treatment: bank, payment and other balance sheet postings.',
    Rate: 0,
  },
  {
    Id: 11,
    Code: '1',
    Name: 'Inngående mva, høy sats',
    Description: 'Deductible input VAT, standard rate.',
    Rate: 0.25,
  },
  {
    Id: 12,
    Code: '11',
    Name: 'Inngående mva, middels sats',
    Description: 'Deductible input VAT, reduced rate (food).',
    Rate: 0.15,
  },
  {
    Id: 13,
    Code: '13',
    Name: 'Inngående mva, lav sats',
    Description: 'Deductible input VAT, low rate.',
    Rate: 0.12,
  },
  {
    Id: 20,
    Code: '3',
    Name: 'Utgående mva, høy sats',
    Description: 'Output VAT, standard rate.',
    Rate: 0.25,
  },
  {
    Id: 21,
    Code: '31',
    Name: 'Utgående mva, middels sats',
    Description: 'Output VAT, reduced rate (food and drink).',
    Rate: 0.15,
  },
  {
    Id: 22,
    Code: '33',
    Name: 'Utgående mva, lav sats',
    Description: 'Output VAT, low rate (passenger transport, cinema, hotel).',
    Rate: 0.12,
  },
  {
    Id: 23,
    Code: '5',
    Name: 'Innenlands omsetning fritatt for mva',
    Description: 'Domestic sales exempt from VAT (zero rate).',
    Rate: 0,
  },
  {
    Id: 24,
    Code: '6',
    Name: 'Omsetning utenfor mva-loven',
    Description: 'Sales outside the scope of the VAT act.',
    Rate: 0,
  },
  {
    Id: 25,
    Code: '52',
    Name: 'Utførsel av varer og tjenester',
    Description: 'Export of goods and services (zero rate).',
    Rate: 0,
  },
  {
    Id: 90,
    Code: 'C33',
    Name: 'Utgående mva, midlertidig lav sats',
    Description: 'Custom code for the temporary 6 % rate of 2020–2021 (expired).',
    Rate: 0.06,
    ValidFrom: '2020-04-01',
    ValidTo: '2021-09-30',
    IsCustom: true,
    BaseVatCodeId: 22,
  },
];

type AccountType = 'Asset' | 'Liability' | 'Equity' | 'Income' | 'Expense';
const account = (no: number, name: string, type: AccountType, vatCode: string, locked = false): Rec => ({
  Id: 4_100_000 + no,
  AccountNo: no,
  Name: name,
  GeneralLedgerAccountType: type,
  VatCodeId: VAT_CODES.find((v) => v.Code === vatCode)!.Id,
  IsVatCodeLocked: locked,
  IsActive: true,
  IsDepartmentRequired: false,
  IsProjectRequired: false,
  VatReturnSpecification: 'None',
  AgricultureDepartment: 'None',
});

/** The customer control account: postings go to a customer's sub-ledger account instead. */
export const CUSTOMER_CONTROL_ACCOUNT = 1500;

export const ACCOUNTS: Rec[] = [
  account(1500, 'Kundefordringer', 'Asset', '0', true),
  account(1901, 'Kortbetalinger (Visa/Mastercard)', 'Asset', '0', true),
  account(1902, 'Stripe', 'Asset', '0', true),
  account(1903, 'Vipps', 'Asset', '0', true),
  account(1904, 'Klarna', 'Asset', '0', true),
  account(1920, 'Bankinnskudd', 'Asset', '0', true),
  account(3000, 'Salgsinntekt, avgiftspliktig, høy sats', 'Income', '3', true),
  account(3020, 'Salgsinntekt, avgiftspliktig, lav sats', 'Income', '33', true),
  account(3030, 'Salgsinntekt, avgiftspliktig, middels sats', 'Income', '31', true),
  account(3100, 'Salgsinntekt, avgiftsfri', 'Income', '5', true),
  account(3150, 'Salgsinntekt, utførsel', 'Income', '52', true),
  account(3200, 'Salgsinntekt, utenfor avgiftsområdet', 'Income', '6', true),
  account(7770, 'Bank- og kortgebyrer', 'Expense', '0'),
  account(7790, 'Øreavrunding', 'Expense', '0'),
];

export const accountIdOf = (no: number): number => 4_100_000 + no;

/** [code, English name, active on the client, NOK per ExchangeBase units, ExchangeBase]. */
export const CURRENCIES: Array<[string, string, boolean, number, number]> = [
  ['NOK', 'Norwegian krone', true, 1, 1],
  ['EUR', 'Euro', true, 11.7, 1],
  ['USD', 'US dollar', true, 10.8, 1],
  ['SEK', 'Swedish krona', true, 101.5, 100],
  ['DKK', 'Danish krone', true, 156.9, 100],
  ['GBP', 'Pound sterling', false, 13.6, 1],
  ['CHF', 'Swiss franc', false, 12.4, 1],
  ['PLN', 'Polish zloty', false, 2.72, 1],
  ['JPY', 'Japanese yen', false, 7.1, 100],
];

export const CLIENT_CURRENCY = 'NOK';

export interface SalesSettings {
  /** Sales account of product lines when neither product nor group names one. */
  StandardSalesAccountId: number;
  /** Optional (VAT-free) sales account by default. */
  OptionalSalesAccountId: number;
  /** Days from invoice date to due date when the order names no payment term. */
  PaymentTermDays: number;
}

export const defaultSalesSettings = (): SalesSettings => ({
  StandardSalesAccountId: accountIdOf(3000),
  OptionalSalesAccountId: accountIdOf(3100),
  PaymentTermDays: 14,
});

export const defaultVatSettings = (): Rec => ({
  IsVatRegistered: true,
  VatNumber: '999999999MVA',
  VatPeriod: 'BiMonthly',
  VatReturnType: 'GeneralIndustry',
  ReportVatReturnManually: false,
  UseVatCompensation: false,
  ReportAlternativeVatReturn: false,
  RoundingAccountId: accountIdOf(7790),
  RoundingAccountNo: 7790,
  RoundingAccountAgricultureDepartment: 'None',
});

/** Install the setup into an empty client (at start and after a reset). */
export function installClientSetup(state: PowerOfficeState): void {
  for (const v of VAT_CODES) {
    state.vatCodes.set(String(v.Id), {
      ValidFrom: SAF_T_FROM,
      ValidTo: null,
      IsActive: true,
      IsCustom: false,
      BaseVatCodeId: null,
      ...v,
    });
  }
  for (const a of ACCOUNTS) {
    state.accounts.set(String(a.Id), { ...a, LastChangedDateTimeOffset: state.clock.next() });
  }
  for (const [Code, Notation, IsActive] of CURRENCIES)
    state.currencies.set(Code, { Code, Notation, IsActive });
  state.salesSettings = defaultSalesSettings();
  state.vatSettings = defaultVatSettings();
}
