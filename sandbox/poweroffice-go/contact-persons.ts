/**
 * Contact persons of a customer: `GET /ContactPersons` (filters contactIds, externalCodes,
 * created/lastChanged), `POST /ContactPersons/{contactId}` (201), and
 * `GET|PATCH|DELETE /ContactPersons/{contactId}/{id}`. FirstName and LastName are required
 * (the POST DTO marks them so: ASP.NET's "field is required" answer), ExternalCode is
 * unique, the e-mail address must look like one, and only one person per customer is the
 * default (setting IsDefault moves it). A person referenced by a sales order cannot be
 * deleted (409). A person's changes do not move the customer's LastChangedDateTimeOffset.
 */
import { after } from './customers.ts';
import { ensureUnique, invalid, isNumber, renderDto, required, sameText, stampInsert } from './domain.ts';
import { applyJsonPatch } from './patch.ts';
import { notFoundById, Problem } from './problem.ts';
import type { Query } from './query.ts';
import { bind, SCHEMAS, validate } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const props = SCHEMAS.contactperson.properties;
const EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;

function customerOf(state: PowerOfficeState, contactId: string): Rec {
  const customer = state.customers.get(contactId);
  if (!customer) throw notFoundById('Contact', contactId);
  return customer;
}

export function personOf(state: PowerOfficeState, contactId: string, id: string): Rec {
  customerOf(state, contactId);
  const person = state.contactPersons.get(id);
  if (!person || String(person.ContactId) !== contactId) throw notFoundById('Contact person', id);
  return person;
}

function checkRules(state: PowerOfficeState, rec: Rec): void {
  const text = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (!text(rec.FirstName)) throw required('FirstName');
  if (!text(rec.LastName)) throw required('LastName');
  if (text(rec.EmailAddress) && !EMAIL.test(String(rec.EmailAddress).trim())) {
    throw invalid(
      'contactperson',
      `EmailAddress '${String(rec.EmailAddress)}' is not a valid e-mail address.`,
    );
  }
  ensureUnique('contactperson', state.contactPersons, 'ExternalCode', rec.ExternalCode, rec.Id);
}

/** Only one default person per customer: a new default takes the flag from the others. */
function moveDefault(state: PowerOfficeState, rec: Rec): void {
  if (rec.IsDefault !== true) return;
  for (const other of state.contactPersons.values()) {
    if (other.Id !== rec.Id && other.ContactId === rec.ContactId && other.IsDefault === true) {
      state.contactPersons.set(String(other.Id), {
        ...other,
        IsDefault: false,
        LastChangedDateTimeOffset: state.clock.next(),
      });
    }
  }
}

export function createContactPerson(
  state: PowerOfficeState,
  contactId: string,
  input: unknown,
  options: { admin?: boolean } = {},
): Rec {
  const customer = customerOf(state, contactId);
  const values = bind(props, input, options.admin);
  validate('contactperson', props, values);
  const address = values.MailAddress as Rec | null | undefined;
  if (address && !options.admin) {
    // AddressPostDto requires both.
    if (typeof address.City !== 'string' || address.City.trim() === '') throw required('MailAddress.City');
    if (typeof address.ZipCode !== 'string' || address.ZipCode.trim() === '')
      throw required('MailAddress.ZipCode');
  }
  const rec: Rec = { IsActive: true, IsDefault: false, ...values, ContactId: customer.Id };
  if (options.admin && isNumber(values.Id)) {
    if (state.contactPersons.has(String(values.Id))) throw new Problem(400, 'Invalid record', 'Id is taken.');
    state.seq.contactPersonId = Math.max(state.seq.contactPersonId, values.Id);
  } else {
    rec.Id = state.nextId('contactPersonId');
  }
  const firstOfCustomer = ![...state.contactPersons.values()].some((p) => p.ContactId === customer.Id);
  if (firstOfCustomer && values.IsDefault === undefined) rec.IsDefault = true;
  checkRules(state, rec);
  stampInsert(state, rec, ['LastChangedDateTimeOffset', 'CreatedDateTimeOffset']);
  moveDefault(state, rec);
  state.contactPersons.set(String(rec.Id), rec);
  state.changed();
  return rec;
}

export function patchContactPerson(
  state: PowerOfficeState,
  contactId: string,
  id: string,
  body: unknown,
): Rec {
  const current = personOf(state, contactId, id);
  const { values, changed } = applyJsonPatch('contactperson', current, body, state.rules);
  if (changed.length === 0) return current;
  validate('contactperson', props, values);
  const next: Rec = { ...current, ...values, LastChangedDateTimeOffset: state.clock.next() };
  checkRules(state, next);
  moveDefault(state, next);
  state.contactPersons.set(id, next);
  state.changed();
  return next;
}

export function deleteContactPerson(state: PowerOfficeState, contactId: string, id: string): void {
  personOf(state, contactId, id);
  const inUse = [...state.orders.values()].some((o) => String(o.CustomerReferenceContactPersonId) === id);
  if (inUse)
    throw new Problem(
      409,
      'Contact person conflict',
      `Contact person with id = ${id} is in use and cannot be deleted.`,
    );
  state.contactPersons.delete(id);
  state.changed();
}

export function renderContactPerson(rec: Rec): Rec {
  return renderDto(props, rec);
}

export function filterContactPersons(state: PowerOfficeState, q: Query): Rec[] {
  const contactIds = q.list('contactIds');
  const codes = q.list('externalCodes');
  const changedAfter = q.timestamp('lastChangedDateTimeOffsetGreaterThan');
  const createdAfter = q.timestamp('createdDateTimeOffsetGreaterThan');
  return [...state.contactPersons.values()].filter((p) => {
    if (contactIds && !contactIds.includes(String(p.ContactId))) return false;
    if (codes && !codes.some((c) => sameText(p.ExternalCode, c))) return false;
    if (changedAfter !== undefined && !after(p.LastChangedDateTimeOffset, changedAfter)) return false;
    if (createdAfter !== undefined && !after(p.CreatedDateTimeOffset, createdAfter)) return false;
    return true;
  });
}
