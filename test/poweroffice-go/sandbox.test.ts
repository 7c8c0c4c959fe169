/**
 * The sandbox itself: gateway and OAuth behaviour, routing, validation, seeding, admin
 * endpoints and persistence, checked with plain fetch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityRecord } from '../../engine/connectors/types.ts';
import { startPowerOfficeSandbox } from '../../sandbox/poweroffice-go/index.ts';
import { type Fixture, fetchToken, raw, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const basic = (a: string, b: string) => `Basic ${Buffer.from(`${a}:${b}`).toString('base64')}`;

describe('PowerOffice Go sandbox: gateway and OAuth', () => {
  it('answers the token endpoint like the real one', async () => {
    fx = await start();
    const { sb } = fx;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const ok = await fetch(sb.tokenUrl, {
      method: 'POST',
      headers: {
        ...form,
        authorization: basic(sb.applicationKey, sb.clientKey),
        'ocp-apim-subscription-key': sb.subscriptionKey,
      },
      body: 'grant_type=client_credentials',
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ token_type: 'bearer', expires_in: 1200 });
    const wrong = await fetch(sb.tokenUrl, {
      method: 'POST',
      headers: {
        ...form,
        authorization: basic(sb.applicationKey, 'nope'),
        'ocp-apim-subscription-key': sb.subscriptionKey,
      },
      body: 'grant_type=client_credentials',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({
      error: 'invalid_client',
      error_description:
        'Client integration not found. Please ensure the provided keys are matching the desired environment.',
    });
    const noKey = await fetch(sb.tokenUrl, {
      method: 'POST',
      headers: { ...form, authorization: basic(sb.applicationKey, sb.clientKey) },
      body: 'grant_type=client_credentials',
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ statusCode: 401 });
    const demo = await fetch(sb.tokenUrl.replace('/OAuth/Token', '/Demo/OAuth/Token'), {
      method: 'POST',
      headers: { ...form, authorization: basic(sb.applicationKey, sb.clientKey), 'subscription-key': 'x' },
      body: 'grant_type=client_credentials',
    });
    expect(demo.status).toBe(401);
  });

  it('honours tokenLifetimeSeconds', async () => {
    fx = await start({ faults: { tokenLifetimeSeconds: 1 } });
    const token = await fetchToken(fx.sb);
    const headers = { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': fx.sb.subscriptionKey };
    expect((await fetch(`${fx.sb.url}/Products`, { headers })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await fetch(`${fx.sb.url}/Products`, { headers });
    expect(expired.status).toBe(401);
    expect(await expired.text()).toBe('');
  });

  it('refuses API calls without a bearer token (401, no body) or subscription key (APIM 401)', async () => {
    fx = await start();
    const noBearer = await fetch(`${fx.sb.url}/Customers`, {
      headers: { 'ocp-apim-subscription-key': fx.sb.subscriptionKey },
    });
    expect(noBearer.status).toBe(401);
    expect(await noBearer.text()).toBe('');
    const noKey = await fetch(`${fx.sb.url}/Customers`);
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { message: string }).message).toMatch(/missing subscription key/);
  });

  it('limits each subscription key to N requests per second with the APIM 429 body and Retry-After', async () => {
    fx = await start({ rateLimit: 3 });
    const token = await fetchToken(fx.sb); // 1
    const headers = { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': fx.sb.subscriptionKey };
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await fetch(`${fx.sb.url}/Products`, { headers });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.headers.get('retry-after')).toBe('1');
    expect(await last!.json()).toEqual({
      statusCode: 429,
      message: 'Rate limit is exceeded. Try again in 1 seconds.',
    });
    await fetch(`${fx.sb.adminUrl}/rate-limit`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"rps":false}',
    });
    expect((await fetch(`${fx.sb.url}/Products`, { headers })).status).toBe(200);
  });

  it('routes case-insensitively, with or without /Demo, and answers unknown routes with 404', async () => {
    fx = await start({ rateLimit: false });
    expect((await raw(fx.sb, 'GET', 'PRODUCTS')).status).toBe(200);
    const token = await fetchToken(fx.sb);
    const demo = await fetch(`${fx.sb.url.replace(/\/v2$/, '/demo/v2')}/products`, {
      headers: { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': fx.sb.subscriptionKey },
    });
    expect(demo.status).toBe(200);
    expect((await raw(fx.sb, 'GET', 'Nothing')).status).toBe(404);
    expect((await raw(fx.sb, 'GET', 'Customers/abc')).status).toBe(404);
    const notFound = await raw(fx.sb, 'GET', 'Customers/12345');
    expect(notFound.json).toMatchObject({
      title: 'Object(s) not found',
      detail: 'Customer with id = 12345 not found.',
      status: 404,
    });
    expect((await raw(fx.sb, 'PUT', 'Customers/12345', {})).status).toBe(405);
  });
});

describe('PowerOffice Go sandbox: data rules', () => {
  it('seeds the FRAKT, GEBYR and AVRUNDING service products, one per VAT rate, unless told not to', async () => {
    fx = await start();
    const products = (await raw(fx.sb, 'GET', 'Products?type=service')).json as EntityRecord[];
    const perRate = (code: string) => [code, `${code}15`, `${code}12`, `${code}0`];
    expect(products.map((p) => p.Code).sort()).toEqual(
      [...perRate('FRAKT'), ...perRate('GEBYR'), ...perRate('AVRUNDING')].sort(),
    );
    expect(new Set(products.map((p) => p.ProductType))).toEqual(new Set(['Service']));
    await fx.close();
    fx = await start({ seed: false });
    expect((await raw(fx.sb, 'GET', 'Products')).status).toBe(204);
  });

  it('validates posts: required fields, maxLength, enums, addresses, e-mail for PdfByEmail', async () => {
    fx = await start({ rateLimit: false });
    const noName = await raw(fx.sb, 'POST', 'Products', { Code: 'X' });
    expect(noName.status).toBe(400);
    expect(noName.json).toMatchObject({ errors: { Name: ['The Name field is required.'] } });
    const long = await raw(fx.sb, 'POST', 'Products', { Name: 'x', Code: 'c'.repeat(101) });
    expect(long.json).toMatchObject({ title: 'Product validation error(s)' });
    const badEnum = await raw(fx.sb, 'POST', 'Products', { Name: 'x', ProductType: 'Gadget' });
    expect(badEnum.json).toMatchObject({ title: 'One or more validation errors occurred.' });
    const badType = await raw(fx.sb, 'POST', 'Products', { Name: 'x', UnitPrice: '10' });
    expect(badType.status).toBe(400);
    const address = await raw(fx.sb, 'POST', 'Customers', {
      Name: 'A',
      EmailAddress: 'a@a.no',
      MailAddress: { City: 'Oslo' },
    });
    expect(address.json).toMatchObject({
      errors: { 'MailAddress.ZipCode': ['The ZipCode field is required.'] },
    });
    const noMail = await raw(fx.sb, 'POST', 'Customers', { Name: 'A' });
    expect(noMail.json).toMatchObject({ title: 'Customer validation error(s)' });
    expect((noMail.json as { detail: string }).detail).toMatch(/PdfByEmail/);
    const print = await raw(fx.sb, 'POST', 'Customers', { Name: 'A', InvoiceDeliveryType: 'PRINT' });
    expect(print.json).toMatchObject({ InvoiceDeliveryType: 'Print', Number: 10000 });
    const empty = await raw(fx.sb, 'POST', 'Customers', '');
    expect(empty.status).toBe(400);
  });

  it('keeps line ExternalImportReference unique within an order, not across orders', async () => {
    fx = await start({ rateLimit: false });
    const customer = (await raw(fx.sb, 'POST', 'Customers', { Name: 'A', InvoiceDeliveryType: 'Print' }))
      .json as EntityRecord;
    const line = { ProductCode: 'FRAKT', Quantity: 1, ExternalImportReference: 'L1' };
    const dup = await raw(fx.sb, 'POST', 'SalesOrders/Complete', {
      CustomerId: customer.Id,
      SalesOrderLines: [line, line],
    });
    expect(dup.status).toBe(400);
    expect(
      (await raw(fx.sb, 'POST', 'SalesOrders/Complete', { CustomerId: customer.Id, SalesOrderLines: [line] }))
        .status,
    ).toBe(201);
    expect(
      (await raw(fx.sb, 'POST', 'SalesOrders/Complete', { CustomerId: customer.Id, SalesOrderLines: [line] }))
        .status,
    ).toBe(201);
    const noCustomer = await raw(fx.sb, 'POST', 'SalesOrders/Complete', { CustomerId: 42 });
    expect(noCustomer.json).toMatchObject({ status: 404, detail: 'Customer with id = 42 not found.' });
  });

  it('inserts raw records through /__admin with given timestamps and refuses duplicate timestamps', async () => {
    fx = await start({ seed: false });
    const post = (body: unknown) =>
      fetch(`${fx!.sb.adminUrl}/records/customers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const res = await post({
      Name: 'Old',
      LastChangedDateTimeOffset: '2020-01-01T00:00:00Z',
      IsArchived: true,
    });
    const [rec] = (await res.json()) as EntityRecord[];
    expect(rec).toMatchObject({
      LastChangedDateTimeOffset: '2020-01-01T00:00:00.0000000+00:00',
      IsActive: false,
      Number: 10000,
    });
    expect(
      (await post({ Name: 'Dup', LastChangedDateTimeOffset: '2020-01-01T00:00:00.0000000+00:00' })).status,
    ).toBe(400);
    const state = (await (await fetch(`${fx.sb.adminUrl}/state`)).json()) as { customers: unknown[] };
    expect(state.customers).toHaveLength(1);
    await fetch(`${fx.sb.adminUrl}/reset`, { method: 'POST' });
    expect(fx.sb.state.customers.size).toBe(0);
  });

  it('persists to a JSON file and continues from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'po-sandbox-'));
    const file = join(dir, 'state.json');
    try {
      const first = await startPowerOfficeSandbox({ persistFile: file });
      const token = await fetchToken(first);
      await fetch(`${first.url}/Customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'ocp-apim-subscription-key': first.subscriptionKey,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ Name: 'Persisted AS', InvoiceDeliveryType: 'Print' }),
      });
      await first.close();
      const second = await startPowerOfficeSandbox({ persistFile: file });
      try {
        const customers = [...second.state.customers.values()];
        expect(customers.map((c) => c.Name)).toEqual(['Persisted AS']);
        expect(second.state.products.size).toBe(12); // seeded once, not again
        const next = second.state.clock.next();
        expect(next > String(customers[0]!.LastChangedDateTimeOffset)).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
