/**
 * Customers as PowerOffice Go checks them: persons need FirstName and LastName (strict,
 * switchable), companies a Name and — when Norwegian — a valid organisation number;
 * contact persons of a company, referred to by sales orders as the buyer's reference.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { validOrganizationNumber } from '../../sandbox/poweroffice-go/org-number.ts';
import { type Fixture, raw, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const detail = (r: { json: unknown }) => (r.json as { detail?: string }).detail;

describe('PowerOffice Go sandbox: persons and companies', () => {
  it('refuses a person without FirstName or LastName (strict), and accepts one name when the rule is off', async () => {
    fx = await start({ rateLimit: false });
    const oneName = { IsPerson: true, FirstName: 'Ola', EmailAddress: 'ola@example.no' };
    const refused = await raw(fx.sb, 'POST', 'Customers', oneName);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      title: 'Customer validation error(s)',
      detail: 'FirstName and LastName are required when IsPerson is true.',
    });
    const both = await raw(fx.sb, 'POST', 'Customers', { ...oneName, LastName: 'Nordmann' });
    expect(both.json).toMatchObject({ Name: 'Ola Nordmann' });
    // Clearing the last name later is refused too.
    const id = (both.json as EntityRecord).Id;
    const cleared = await raw(fx.sb, 'PATCH', `Customers/${id}`, [
      { op: 'replace', path: '/LastName', value: '' },
    ]);
    expect(detail(cleared)).toBe('FirstName and LastName are required when IsPerson is true.');
    await fx.close();
    fx = await start({ rateLimit: false, rules: { strictPersons: false } });
    expect((await raw(fx.sb, 'POST', 'Customers', oneName)).json).toMatchObject({ Name: 'Ola' });
  });

  it('checks Norwegian organisation numbers (mod 11) on companies, not on foreign ones', async () => {
    expect(['999999999', '923609016', '974760673'].map(validOrganizationNumber)).toEqual([true, true, true]);
    expect(['999999998', '12345678', '92360901X', '123456784'].map(validOrganizationNumber)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    fx = await start({ rateLimit: false });
    const company = {
      Name: 'Bedrift AS',
      EmailAddress: 'post@bedrift.no',
      InvoiceEmailAddress: 'faktura@bedrift.no',
    };
    const bad = await raw(fx.sb, 'POST', 'Customers', { ...company, OrganizationNumber: '999999998' });
    expect(bad.status).toBe(400);
    expect(detail(bad)).toBe("OrganizationNumber '999999998' is not a valid Norwegian organization number.");
    const good = await raw(fx.sb, 'POST', 'Customers', { ...company, OrganizationNumber: '923 609 016' });
    expect(good.json).toMatchObject({
      IsPerson: false,
      OrganizationNumber: '923 609 016',
      InvoiceEmailAddress: 'faktura@bedrift.no',
    });
    const swedish = await raw(fx.sb, 'POST', 'Customers', {
      ...company,
      OrganizationNumber: '556036-0793',
      MailAddress: { City: 'Stockholm', ZipCode: '11122', CountryCode: 'SE' },
    });
    expect(swedish.status).toBe(201);
    const noName = await raw(fx.sb, 'POST', 'Customers', {
      OrganizationNumber: '923609016',
      EmailAddress: 'a@b.no',
    });
    expect(detail(noName)).toBe('Name is required when IsPerson is false.');
  });
});

describe('PowerOffice Go sandbox: contact persons', () => {
  it('creates, lists, patches and deletes contact persons of a customer, with one default', async () => {
    fx = await start({ rateLimit: false });
    const company = (
      await raw(fx.sb, 'POST', 'Customers', { Name: 'Bedrift AS', EmailAddress: 'post@bedrift.no' })
    ).json as EntityRecord;
    const first = await raw(fx.sb, 'POST', `ContactPersons/${company.Id}`, {
      FirstName: 'Kari',
      LastName: 'Nordmann',
      EmailAddress: 'kari@bedrift.no',
      ExternalCode: 'woo-buyer-7',
    });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ ContactId: company.Id, IsDefault: true, IsActive: true });
    const second = (
      await raw(fx.sb, 'POST', `ContactPersons/${company.Id}`, {
        FirstName: 'Per',
        LastName: 'Hansen',
        IsDefault: true,
      })
    ).json as EntityRecord;
    const listed = (await raw(fx.sb, 'GET', `ContactPersons?contactIds=${company.Id}`))
      .json as EntityRecord[];
    expect(listed.map((p) => [p.FirstName, p.IsDefault])).toEqual([
      ['Kari', false],
      ['Per', true],
    ]);
    expect(
      ((await raw(fx.sb, 'GET', 'ContactPersons?externalCodes=WOO-BUYER-7')).json as EntityRecord[]).length,
    ).toBe(1);

    const missing = await raw(fx.sb, 'POST', `ContactPersons/${company.Id}`, { FirstName: 'Ola' });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ errors: { LastName: ['The LastName field is required.'] } });
    const typo = await raw(fx.sb, 'POST', `ContactPersons/${company.Id}`, {
      FirstName: 'Ola',
      LastName: 'Dunk',
      EmailAddress: 'ola@bedrift',
    });
    expect(detail(typo)).toMatch(/not a valid e-mail address/);
    const duplicate = await raw(fx.sb, 'POST', `ContactPersons/${company.Id}`, {
      FirstName: 'Ola',
      LastName: 'Dunk',
      ExternalCode: 'woo-buyer-7',
    });
    expect(detail(duplicate)).toMatch(
      /^ExternalCode is already in use\. 'woo-buyer-7' is used on \(contact person\) Id = \d+\.$/,
    );
    expect(
      (await raw(fx.sb, 'POST', 'ContactPersons/999999', { FirstName: 'A', LastName: 'B' })).status,
    ).toBe(404);

    const patched = await raw(fx.sb, 'PATCH', `ContactPersons/${company.Id}/${second.Id}`, [
      { op: 'replace', path: '/title', value: 'Innkjøper' },
    ]);
    expect(patched.json).toMatchObject({ Title: 'Innkjøper' });
    // The customer's own timestamp does not move for a contact person's change.
    expect(
      ((await raw(fx.sb, 'GET', `Customers/${company.Id}`)).json as EntityRecord).LastChangedDateTimeOffset,
    ).toBe(company.LastChangedDateTimeOffset);
    expect((await raw(fx.sb, 'DELETE', `ContactPersons/${company.Id}/${second.Id}`)).status).toBe(200);
    expect((await raw(fx.sb, 'GET', `ContactPersons/${company.Id}/${second.Id}`)).status).toBe(404);
  });

  it("makes a contact person the order's buyer reference, only of the order's own customer", async () => {
    fx = await start({ rateLimit: false });
    const company = (await raw(fx.sb, 'POST', 'Customers', { Name: 'B AS', EmailAddress: 'b@b.no' }))
      .json as EntityRecord;
    const other = (await raw(fx.sb, 'POST', 'Customers', { Name: 'C AS', EmailAddress: 'c@c.no' }))
      .json as EntityRecord;
    const person = (
      await raw(fx.sb, 'POST', `ContactPersons/${company.Id}`, { FirstName: 'Kari', LastName: 'Nordmann' })
    ).json as EntityRecord;
    const order = await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: company.Id,
      CustomerReferenceContactPersonId: person.Id,
    });
    expect(order.json).toMatchObject({
      CustomerReferenceContactPersonId: person.Id,
      CustomerReference: 'Kari Nordmann',
    });
    const wrong = await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: other.Id,
      CustomerReferenceContactPersonId: person.Id,
    });
    expect(wrong.status).toBe(404);
    expect(detail(wrong)).toBe(`Contact person with id = ${person.Id} not found.`);
    const inUse = await raw(fx.sb, 'DELETE', `ContactPersons/${company.Id}/${person.Id}`);
    expect(inUse.status).toBe(409);
  });
});
