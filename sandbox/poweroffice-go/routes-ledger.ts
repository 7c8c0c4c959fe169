/**
 * Routes beyond the contacts and orders: contact persons, VAT codes, accounts, VAT
 * settings, currencies and rates, invoicing, outgoing invoices, the customer ledger and
 * bank vouchers (below `/v2`).
 */
import {
  filterAccounts,
  filterVatCodes,
  getAccount,
  renderAccount,
  renderVatCode,
  renderVatSettings,
} from './accounting.ts';
import { createBankVoucher, getVoucher, renderVoucher, reverseVoucher } from './bank-vouchers.ts';
import {
  createContactPerson,
  deleteContactPerson,
  filterContactPersons,
  patchContactPerson,
  personOf,
  renderContactPerson,
} from './contact-persons.ts';
import { currencyRate, listCurrencies } from './currencies.ts';
import { validUuid } from './domain.ts';
import { createAndSendInvoice, sentStates } from './invoicing.ts';
import { entriesByMatchId, openItems } from './ledger-reports.ts';
import { filterInvoices, invoiceLines, invoiceOf, renderInvoice } from './outgoing-invoices.ts';
import { castError, Problem } from './problem.ts';
import { listing, ok, type Reply, type Route, requireBody, route } from './route-kit.ts';
import { SCHEMAS } from './schemas.ts';

const requiredQuery = (name: string) =>
  new Problem(400, 'One or more validation errors occurred.', undefined, {
    [name]: [`The ${name} field is required.`],
  });

/** A bare list (no paging parameters) answered as the API does: 204 when empty. */
const list = (items: unknown[]): Reply => (items.length === 0 ? { status: 204 } : ok(items));

export const LEDGER_ROUTES: Route[] = [
  route('GET', 'contactpersons', (ctx) =>
    listing(
      filterContactPersons(ctx.state, ctx.query).map(renderContactPerson),
      ctx,
      SCHEMAS.contactperson.properties,
    ),
  ),
  route('POST', 'contactpersons/:contactId#int', (ctx) => {
    requireBody(ctx.body);
    return ok(renderContactPerson(createContactPerson(ctx.state, ctx.params.contactId!, ctx.body)), 201);
  }),
  route('GET', 'contactpersons/:contactId#int/:id#int', (ctx) =>
    ok(renderContactPerson(personOf(ctx.state, ctx.params.contactId!, ctx.params.id!))),
  ),
  route('PATCH', 'contactpersons/:contactId#int/:id#int', (ctx) =>
    ok(renderContactPerson(patchContactPerson(ctx.state, ctx.params.contactId!, ctx.params.id!, ctx.body))),
  ),
  route('DELETE', 'contactpersons/:contactId#int/:id#int', (ctx) => {
    deleteContactPerson(ctx.state, ctx.params.contactId!, ctx.params.id!);
    return { status: 200 };
  }),

  route('GET', 'vatcodes', (ctx) =>
    listing(filterVatCodes(ctx.state, ctx.query).map(renderVatCode), ctx, SCHEMAS.vatcode.properties),
  ),
  route('GET', 'generalledgeraccounts', (ctx) =>
    listing(
      filterAccounts(ctx.state, ctx.query).map((a) => renderAccount(ctx.state, a)),
      ctx,
      SCHEMAS.generalledgeraccount.properties,
    ),
  ),
  route('GET', 'generalledgeraccounts/:id#int', (ctx) =>
    ok(renderAccount(ctx.state, getAccount(ctx.state, ctx.params.id!))),
  ),
  route('GET', 'vatsettings', (ctx) => ok(renderVatSettings(ctx.state))),
  route('GET', 'currencies', (ctx) =>
    listing(listCurrencies(ctx.state, ctx.query), ctx, SCHEMAS.currency.properties),
  ),
  route('GET', 'currencyrates', (ctx) => {
    const from = ctx.query.get('fromCurrency');
    const to = ctx.query.get('toCurrency');
    const date = ctx.query.get('asOnDate');
    if (from === undefined) throw requiredQuery('fromCurrency');
    if (to === undefined) throw requiredQuery('toCurrency');
    if (date === undefined) throw requiredQuery('asOnDate');
    return ok(currencyRate(ctx.state, from.trim().toUpperCase(), to.trim().toUpperCase(), date));
  }),

  route('POST', 'salesorders/:id#uuid/createandsendinvoice', (ctx) => {
    const sent = createAndSendInvoice(ctx.primary, ctx.params.id!, ctx.body);
    return { status: 202, body: sent.body, headers: { location: `${ctx.base}/${sent.location}` } };
  }),
  // Polls drive the request forward, so they work on the primary data.
  route('GET', 'salesorders/sentstate', (ctx) => {
    const id = ctx.query.get('id');
    if (id !== undefined && !validUuid(id.trim())) throw castError(`The value '${id}' is not valid for id.`);
    return list(sentStates(ctx.primary, id?.trim().toLowerCase()));
  }),

  route('GET', 'outgoinginvoices', (ctx) =>
    listing(filterInvoices(ctx.state, ctx.query), ctx, SCHEMAS.outgoinginvoice.properties),
  ),
  route('GET', 'outgoinginvoices/:id#uuid', (ctx) =>
    ok(renderInvoice(ctx.state, invoiceOf(ctx.state, ctx.params.id!))),
  ),
  route('GET', 'outgoinginvoices/:id#uuid/lines', (ctx) =>
    listing(invoiceLines(ctx.state, ctx.params.id!), ctx, SCHEMAS.outgoinginvoiceline.properties),
  ),
  route('GET', 'customerledger/openitems', (ctx) =>
    listing(openItems(ctx.state, ctx.query), ctx, SCHEMAS.customerledgerentry.properties),
  ),
  route('GET', 'customerledger/entriesbymatchid', (ctx) =>
    listing(entriesByMatchId(ctx.state, ctx.query), ctx, SCHEMAS.customerledgerentry.properties),
  ),

  route('POST', 'vouchers/bankjournals', (ctx) => {
    requireBody(ctx.body);
    return ok(renderVoucher(createBankVoucher(ctx.state, ctx.body)), 201);
  }),
  route('GET', 'vouchers/bankjournals/:id#uuid', (ctx) =>
    ok(renderVoucher(getVoucher(ctx.state, ctx.params.id!))),
  ),
  route('POST', 'vouchers/reverse/:id#uuid', (ctx) => {
    reverseVoucher(ctx.state, ctx.params.id!);
    return { status: 200 };
  }),
];
