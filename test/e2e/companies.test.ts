/**
 * Company buyers (B2B): a shop customer or guest order with `billing.company` and an
 * organisation number in its meta becomes a PowerOffice Go customer of type company (never
 * a person too; a company name alone stays a person), with that organisation number, matched on the org.no. first, then on e-mail; its
 * orders link to the company. An invalid org.no. is a failed record that says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedRecord } from '../../engine/store/sync-state.ts';
import { snapshot } from './helpers/checks.ts';
import { type Pair, startPair } from './helpers/pair.ts';

type Rec = Record<string, unknown>;

const ORG = '974760673';
const EXISTING_ORG = '984851006';

describe('e2e: company buyers become PowerOffice Go companies', () => {
  let pair: Pair;
  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${pair.woo.url}/__admin/records/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
  };
  const order = (id: number, customerId: number, billing: Rec, meta: Rec[] = []) =>
    admin('order', {
      id,
      status: 'processing',
      customer_id: customerId,
      billing: { address_1: 'Bryggen 4', city: 'Bergen', postcode: '5003', country: 'NO', ...billing },
      meta_data: meta,
      line_items: [
        { product_id: 9303, name: 'Brød', quantity: 2, subtotal: '100.00', total: '100.00', price: 50 },
      ],
    });

  beforeAll(async () => {
    pair = await startPair({
      shop: { count: 4, seed: 61, anchor: new Date('2026-02-01T00:00:00Z') },
      // PowerOffice Go already knows one company, by org.no., with another e-mail.
      poweroffice: {
        customers: [
          {
            IsPerson: false,
            Name: 'Havbruk AS',
            OrganizationNumber: EXISTING_ORG,
            EmailAddress: 'post@havbruk.no',
          },
        ],
      },
    });
    await admin('product', { id: 9303, name: 'Brød', sku: 'BROD', regular_price: '50', status: 'publish' });
    // A registered company buyer whose account carries the org.no. in its meta.
    await admin('customer', {
      id: 9301,
      email: 'innkjop@fjordbakeri.no',
      first_name: 'Siri',
      last_name: 'Berg',
      billing: {
        company: 'Fjordbakeriet AS',
        email: 'faktura@fjordbakeri.no',
        address_1: 'Bryggen 4',
        city: 'Bergen',
        postcode: '5003',
        country: 'NO',
      },
      meta_data: [{ key: '_billing_org_nr', value: ORG }],
    });
    // Its order carries the org.no. as the checkout plugin stored it.
    await order(
      9311,
      9301,
      { first_name: 'Siri', last_name: 'Berg', company: 'Fjordbakeriet AS', email: 'innkjop@fjordbakeri.no' },
      [{ key: '_billing_org_nr', value: ORG }],
    );
    // A private buyer who typed the employer's name as company (no org.no.) stays a person.
    await order(9314, 0, {
      first_name: 'Kari',
      last_name: 'Ansatt',
      company: 'Arbeidsgiver AS',
      email: 'kari@ansatt.no',
    });
    // A guest company order of the company PowerOffice Go already has (matched by org.no.).
    await order(
      9312,
      0,
      { first_name: 'Ola', last_name: 'Fisk', company: 'Havbruk AS', email: 'ola@havbruk.no' },
      [{ key: '_billing_org_nr', value: EXISTING_ORG.replace(/(\d{3})(?=\d)/g, '$1 ') }],
    );
    // A guest company order with a mistyped org.no.
    await order(9313, 0, { first_name: 'Per', last_name: 'Feil', company: 'Feil AS', email: 'per@feil.no' }, [
      { key: '_billing_org_nr', value: '974760674' },
    ]);
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('creates or matches companies, links their orders, and fails the invalid org.no. with its reason', async () => {
    const run = await pair.cli(['sync']);
    expect(run.code, run.out + run.err).toBe(1);
    const { po } = await snapshot(pair);
    const fjord = po.customers.filter((c) => c.OrganizationNumber === ORG);
    expect(fjord).toHaveLength(1);
    expect(fjord[0]).toMatchObject({
      IsPerson: false,
      Name: 'Fjordbakeriet AS',
      EmailAddress: 'innkjop@fjordbakeri.no',
      InvoiceEmailAddress: 'faktura@fjordbakeri.no',
      ExternalImportReference: 'company-9301',
    });
    // The company buyer is not also a person.
    expect(po.customers.filter((c) => c.EmailAddress === 'innkjop@fjordbakeri.no')).toHaveLength(1);
    const orders = new Map(po.salesorders.map((o) => [String(o.ExternalImportReference), o]));
    expect(orders.get('9311')?.CustomerId).toBe(fjord[0]!.Id);
    // The guest's company was matched by org.no. (spaces and all), not created again.
    const havbruk = po.customers.filter((c) => c.OrganizationNumber === EXISTING_ORG);
    expect(havbruk).toHaveLength(1);
    expect(orders.get('9312')?.CustomerId).toBe(havbruk[0]!.Id);
    const kari = po.customers.find((c) => c.EmailAddress === 'kari@ansatt.no');
    expect(kari).toMatchObject({ IsPerson: true, FirstName: 'Kari', LastName: 'Ansatt' });
    expect(orders.get('9314')?.CustomerId).toBe(kari?.Id);
    // The mistyped org.no.: no company, no order, a failed record naming the reason.
    expect(po.customers.some((c) => c.Name === 'Feil AS')).toBe(false);
    expect(orders.has('9313')).toBe(false);
    const failed = JSON.parse((await pair.cli(['failed', '--json'])).out) as FailedRecord[];
    const reasons = failed.map((f) => `${f.mapping}:${f.id} ${f.reason}`).join('\n');
    expect(failed.map((f) => `${f.mapping}:${f.id}`)).toEqual(['salesorder:9313']);
    expect(reasons).toMatch(/mod-11 check digit is wrong/);
    expect(reasons).not.toContain('974760674');
  });

  it('a second run writes nothing', async () => {
    const mark = pair.mark();
    await pair.cli(['sync']);
    expect(pair.writes(mark)).toEqual({ woo: [], po: [] });
  });
});
