/**
 * Customers: create, patch, delete, render and filter, with the service's computed fields
 * (Id, Number from 10000, timestamps, IsActive) and rules (unique ExternalImportReference,
 * Number and ExternalNumber; Name for companies; FirstName and LastName for persons —
 * either one when `rules.strictPersons` is off; a valid Norwegian OrganizationNumber for
 * Norwegian companies unless `rules.organizationNumberCheck` is off; an e-mail address for
 * PdfByEmail delivery; City and ZipCode when an address is posted; a currency Go knows).
 * Archiving a customer with open ledger entries is refused (the vendor: IsArchived "cannot
 * be set if the contact have ledger balances"); deleting one with orders, invoices or
 * ledger entries is a 409.
 *
 * An address-only change moves MailAddress.LastChangedDateTimeOffset but not the
 * customer's own LastChangedDateTimeOffset: the vendor documents that the customer's
 * timestamp does not reflect changes in sub-entities such as addresses.
 */

import { Decimal } from 'decimal.js';
import { CLIENT_CURRENCY } from './client-setup.ts';
import { canonical, parseTicks } from './clock.ts';
import { checkCurrency } from './currencies.ts';
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
import { openEntries } from './ledger.ts';
import { validOrganizationNumber } from './org-number.ts';
import { applyJsonPatch } from './patch.ts';
import { notFoundById, Problem } from './problem.ts';
import { numberFilter, type Query } from './query.ts';
import { bind, SCHEMAS, validate } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const props = SCHEMAS.customer.properties;
const ADDRESS_RO = ['Id', 'LastChangedDateTimeOffset'];

export interface CreateOptions {
  /** Admin insert: read-only values may be given, the POST-only rules are relaxed. */
  admin?: boolean;
}

export function createCustomer(state: PowerOfficeState, input: unknown, options: CreateOptions = {}): Rec {
  return keepingSequences(state, () => insertCustomer(state, input, options));
}

function insertCustomer(state: PowerOfficeState, input: unknown, options: CreateOptions): Rec {
  const values = bind(props, input, options.admin);
  validate('customer', props, values);
  const address = values.MailAddress;
  if (address && typeof address === 'object' && !options.admin) {
    const a = address as Rec;
    if (typeof a.City !== 'string' || a.City.trim() === '') throw required('MailAddress.City');
    if (typeof a.ZipCode !== 'string' || a.ZipCode.trim() === '') throw required('MailAddress.ZipCode');
  }
  // POST-only alternatives the sandbox does not model (codes instead of ids) are not stored.
  delete values.SubLedgerNumberSeriesId;

  const rec: Rec = {
    IsPerson: false,
    IsArchived: false,
    CurrencyCode: 'NOK',
    InvoiceDeliveryType: 'PdfByEmail',
    ...values,
  };
  if (options.admin && rec.Id !== undefined) {
    if (!isNumber(rec.Id) || state.customers.has(String(rec.Id)))
      throw new Problem(400, 'Invalid record', 'Id is missing or taken.');
    state.seq.contactId = Math.max(state.seq.contactId, rec.Id);
  } else {
    rec.Id = state.nextId('contactId');
  }
  if (rec.Number === undefined || rec.Number === null) {
    state.seq.customerNumber = Math.max(state.seq.customerNumber, state.customers.max('Number'));
    rec.Number = state.nextId('customerNumber');
  }
  applyRules(state, rec, options.admin === true);
  stampInsert(state, rec, [
    'LastChangedDateTimeOffset',
    'ContactCreatedDateTimeOffset',
    'CustomerCreatedDateTimeOffset',
  ]);
  if (rec.MailAddress && typeof rec.MailAddress === 'object') {
    const a = rec.MailAddress as Rec;
    rec.MailAddress = {
      CountryCode: 'NO',
      ...a,
      Id: isNumber(a.Id) ? a.Id : state.nextId('addressId'),
      LastChangedDateTimeOffset:
        (typeof a.LastChangedDateTimeOffset === 'string'
          ? canonical(a.LastChangedDateTimeOffset)
          : undefined) ?? rec.LastChangedDateTimeOffset,
    };
    normaliseCountry(rec.MailAddress as Rec);
  }
  rec.SubledgerAccountId ??= 20_000_000 + Number(rec.Id);
  state.customers.set(String(rec.Id), rec);
  state.changed();
  return rec;
}

export function patchCustomer(state: PowerOfficeState, id: string, body: unknown): Rec {
  const current = state.customers.get(id);
  if (!current) throw notFoundById('Customer', id);
  const { values, changed } = applyJsonPatch('customer', current, body, state.rules);
  if (changed.length === 0) return current;
  validate('customer', props, values);
  if (changed.includes('IsArchived') && values.IsArchived === true)
    refuseArchivingWithBalance(state, current);
  const next: Rec = { ...current, ...values };
  const now = state.clock.next();
  if (changed.includes('MailAddress')) {
    const a = values.MailAddress as Rec | null;
    const old = current.MailAddress as Rec | null | undefined;
    next.MailAddress =
      a === null
        ? null
        : {
            CountryCode: 'NO',
            ...a,
            Id: isNumber(old?.Id) ? old.Id : state.nextId('addressId'),
            LastChangedDateTimeOffset: now,
          };
    if (next.MailAddress) {
      const m = next.MailAddress as Rec;
      if (m.CountryCode === null) m.CountryCode = 'NO';
      normaliseCountry(m);
    }
  } else if (current.MailAddress && typeof current.MailAddress === 'object') {
    // writableView dropped the address's read-only values; keep them.
    const old = current.MailAddress as Rec;
    next.MailAddress = {
      ...(values.MailAddress as Rec),
      ...Object.fromEntries(ADDRESS_RO.map((k) => [k, old[k]])),
    };
  }
  applyRules(state, next);
  if (changed.some((k) => k !== 'MailAddress')) next.LastChangedDateTimeOffset = now;
  state.customers.set(id, next);
  state.changed();
  return next;
}

/** "Cannot be set if the contact have ledger balances": any open entry counts (strict). */
function refuseArchivingWithBalance(state: PowerOfficeState, customer: Rec): void {
  const open = openEntries(state, customer.Id);
  if (open.length === 0) return;
  const balance = open.reduce((acc, e) => acc.plus(e.Balance as number), new Decimal(0));
  throw invalid(
    'customer',
    `Customer with id = ${String(customer.Id)} has ledger balances (${open.length} open ${open.length === 1 ? 'entry' : 'entries'}, balance ${balance.toFixed(2)} ${CLIENT_CURRENCY}) and can not be archived.`,
  );
}

export function deleteCustomer(state: PowerOfficeState, id: string): void {
  if (!state.customers.has(id)) throw notFoundById('Customer', id);
  const inUse =
    [...state.orders.values()].some((o) => String(o.CustomerId) === id) ||
    [...state.ledger.values()].some((e) => String(e.CustomerId) === id);
  if (inUse)
    throw new Problem(409, 'Customer conflict', `Customer with id = ${id} is in use and cannot be deleted.`);
  state.customers.delete(id);
  state.changed();
}

export function renderCustomer(rec: Rec): Rec {
  const out = renderDto(props, rec);
  out.IsActive = rec.IsArchived !== true;
  if (out.NationalIdNumber) out.NationalIdNumber = 'hidden';
  return out;
}

export function filterCustomers(state: PowerOfficeState, q: Query): Rec[] {
  const nos = q.list('customerNos');
  const byNo = nos ? numberFilter(nos, 'customerNos') : undefined;
  const externalNos = q.list('externalNos');
  const byExternalNo = externalNos ? numberFilter(externalNos, 'externalNos') : undefined;
  const ref = q.get('externalImportReference');
  const groups = q.list('contactGroupIds')?.map(Number);
  const changedAfter = q.timestamp('lastChangedDateTimeOffsetGreaterThan');
  const createdAfter = q.timestamp('customerCreatedDateTimeOffsetGreaterThan');
  return [...state.customers.values()].filter((c) => {
    if (byNo && !byNo(c.Number)) return false;
    if (byExternalNo && !byExternalNo(c.ExternalNumber)) return false;
    if (ref !== undefined && !sameText(c.ExternalImportReference, ref)) return false;
    if (
      groups &&
      !(Array.isArray(c.ContactGroupIds) && c.ContactGroupIds.some((g) => groups.includes(Number(g))))
    )
      return false;
    if (changedAfter !== undefined && !after(c.LastChangedDateTimeOffset, changedAfter)) return false;
    if (createdAfter !== undefined && !after(c.CustomerCreatedDateTimeOffset, createdAfter)) return false;
    return true;
  });
}

export function after(value: unknown, ticks: bigint): boolean {
  if (typeof value !== 'string') return false;
  const t = parseTicks(value);
  return t !== undefined && t > ticks;
}

/** Uniqueness always; the service's business rules unless an admin insert bypasses them. */
function applyRules(state: PowerOfficeState, rec: Rec, lenient = false): void {
  ensureUnique('customer', state.customers, 'ExternalImportReference', rec.ExternalImportReference, rec.Id);
  ensureUnique('customer', state.customers, 'Number', rec.Number, rec.Id);
  ensureUnique('customer', state.customers, 'ExternalNumber', rec.ExternalNumber, rec.Id);
  if (isNumber(rec.Number) && (rec.Number < 1 || !Number.isInteger(rec.Number))) {
    throw invalid('customer', `Number ${rec.Number} is not a valid customer number.`);
  }
  const text = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (rec.IsPerson === true && !text(rec.Name))
    rec.Name = [rec.FirstName, rec.LastName].filter(text).join(' ');
  if (lenient) return;
  if (rec.IsPerson === true) {
    if (state.rules.strictPersons && (!text(rec.FirstName) || !text(rec.LastName))) {
      throw invalid('customer', 'FirstName and LastName are required when IsPerson is true.');
    }
    if (!text(rec.FirstName) && !text(rec.LastName)) {
      throw invalid('customer', 'FirstName or LastName is required when IsPerson is true.');
    }
    rec.Name = [rec.FirstName, rec.LastName].filter(text).join(' ');
  } else {
    if (!text(rec.Name)) throw invalid('customer', 'Name is required when IsPerson is false.');
    checkOrganizationNumber(state, rec);
  }
  if (isNumber(rec.Allowance) && (rec.Allowance < -1000 || rec.Allowance > 100)) {
    throw invalid('customer', 'Allowance must be between -1000 and 100.');
  }
  if (rec.InvoiceDeliveryType === 'PdfByEmail' && !text(rec.EmailAddress) && !text(rec.InvoiceEmailAddress)) {
    throw invalid(
      'customer',
      'InvoiceDeliveryType PdfByEmail requires EmailAddress or InvoiceEmailAddress. Use Print for customers without an e-mail address.',
    );
  }
  if (rec.InvoiceDeliveryType === 'EHF' && !text(rec.OrganizationNumber)) {
    throw invalid('customer', 'InvoiceDeliveryType EHF requires an OrganizationNumber.');
  }
  if (typeof rec.CurrencyCode === 'string') {
    rec.CurrencyCode = checkCurrency(state, rec.CurrencyCode, 'Customer validation error(s)');
  }
}

/** Norwegian companies (address in NO or none): 9 digits with a valid check digit. */
function checkOrganizationNumber(state: PowerOfficeState, rec: Rec): void {
  const no = rec.OrganizationNumber;
  if (!state.rules.organizationNumberCheck || typeof no !== 'string' || no.trim() === '') return;
  const country = (rec.MailAddress as Rec | null | undefined)?.CountryCode;
  if (typeof country === 'string' && country.toUpperCase() !== 'NO') return;
  if (!validOrganizationNumber(no)) {
    throw invalid('customer', `OrganizationNumber '${no}' is not a valid Norwegian organization number.`);
  }
}

function normaliseCountry(address: Rec): void {
  const code = address.CountryCode;
  if (typeof code !== 'string' || !/^[A-Za-z]{2}$/.test(code)) {
    throw invalid('customer', `CountryCode '${String(code)}' is not a valid ISO 3166-1 alpha-2 code.`);
  }
  address.CountryCode = code.toUpperCase();
}
