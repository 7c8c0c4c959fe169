/**
 * `POST /__admin/records/<entity>`: records that "already exist" in the client, inserted
 * without the API (no auth, rate limit or request log); read-only values may be given
 * (an exact LastChangedDateTimeOffset, an Id), the rest is computed. The service's
 * uniqueness and type checks still apply; its business rules are relaxed for customers.
 */

import { renderAccount, renderVatCode } from './accounting.ts';
import { createBankVoucher, renderVoucher } from './bank-vouchers.ts';
import { createContactPerson, renderContactPerson } from './contact-persons.ts';
import { createCustomer, renderCustomer } from './customers.ts';
import { isNumber } from './domain.ts';
import { Problem } from './problem.ts';
import { createProduct, renderProduct } from './products.ts';
import { createLine, renderLine } from './sales-order-lines.ts';
import { createOrder, renderOrder } from './sales-orders.ts';
import { bind, rawProperty, SCHEMAS, validate } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

const ALIASES: Record<string, string> = {
  customer: 'customer',
  customers: 'customer',
  product: 'product',
  products: 'product',
  salesorder: 'salesorder',
  salesorders: 'salesorder',
  salesorderline: 'salesorderline',
  salesorderlines: 'salesorderline',
  contactperson: 'contactperson',
  contactpersons: 'contactperson',
  generalledgeraccount: 'generalledgeraccount',
  generalledgeraccounts: 'generalledgeraccount',
  account: 'generalledgeraccount',
  accounts: 'generalledgeraccount',
  vatcode: 'vatcode',
  vatcodes: 'vatcode',
  currency: 'currency',
  currencies: 'currency',
  bankvoucher: 'bankvoucher',
  bankvouchers: 'bankvoucher',
};

const NAMES =
  'customer, product, salesorder, salesorderline, contactperson, generalledgeraccount, vatcode, currency, bankvoucher';

export function insertRecord(state: PowerOfficeState, entity: string, input: unknown): Rec {
  switch (ALIASES[entity.toLowerCase()]) {
    case 'customer':
      return renderCustomer(createCustomer(state, input, { admin: true }));
    case 'product':
      return renderProduct(state, createProduct(state, input, { admin: true }));
    case 'salesorder':
      return renderOrder(state, createOrder(state, input, { admin: true }), true);
    case 'salesorderline': {
      const orderId = rawProperty(input, 'SalesOrderId');
      if (typeof orderId !== 'string') throw new Problem(400, 'Invalid record', 'A line needs SalesOrderId.');
      return renderLine(state, createLine(state, orderId.toLowerCase(), input, { admin: true }));
    }
    case 'contactperson': {
      const contactId = rawProperty(input, 'ContactId');
      if (!isNumber(contactId)) throw new Problem(400, 'Invalid record', 'A contact person needs ContactId.');
      return renderContactPerson(createContactPerson(state, String(contactId), input, { admin: true }));
    }
    case 'generalledgeraccount':
      return renderAccount(state, insertReference(state, 'generalledgeraccount', input));
    case 'vatcode':
      return renderVatCode(insertReference(state, 'vatcode', input));
    case 'currency': {
      const code = rawProperty(input, 'Code');
      if (typeof code !== 'string' || !/^[A-Za-z]{3}$/.test(code))
        throw new Problem(400, 'Invalid record', 'A currency needs a three-letter Code.');
      const upper = code.toUpperCase();
      const rec = {
        Notation: upper,
        IsActive: false,
        ...state.currencies.get(upper),
        ...bind(SCHEMAS.currency.properties, input, true),
        Code: upper,
      };
      state.currencies.set(upper, rec);
      state.changed();
      return rec;
    }
    case 'bankvoucher':
      return renderVoucher(createBankVoucher(state, input, true));
    default:
      throw new Problem(404, 'Unknown entity', `No entity "${entity}" (${NAMES}).`);
  }
}

/** An account or VAT code with an explicit Id (and AccountNo), checked against its schema. */
function insertReference(
  state: PowerOfficeState,
  entity: 'generalledgeraccount' | 'vatcode',
  input: unknown,
): Rec {
  const props = SCHEMAS[entity].properties;
  const values = bind(props, input, true);
  validate(entity, props, values);
  const map = entity === 'vatcode' ? state.vatCodes : state.accounts;
  if (!isNumber(values.Id) || map.has(String(values.Id)))
    throw new Problem(400, 'Invalid record', 'Id is missing or taken.');
  if (entity === 'generalledgeraccount') {
    if (!isNumber(values.AccountNo) || state.accounts.holders('AccountNo', values.AccountNo).length > 0)
      throw new Problem(400, 'Invalid record', 'AccountNo is missing or taken.');
    if (!state.vatCodes.has(String(values.VatCodeId)))
      throw new Problem(400, 'Invalid record', 'VatCodeId must name an existing VAT code.');
  }
  const rec: Rec =
    entity === 'vatcode'
      ? { IsActive: true, IsCustom: true, Rate: 0, ...values }
      : {
          IsActive: true,
          IsVatCodeLocked: false,
          GeneralLedgerAccountType: 'Income',
          ...values,
          LastChangedDateTimeOffset: state.clock.next(),
        };
  map.set(String(rec.Id), rec);
  state.changed();
  return rec;
}
