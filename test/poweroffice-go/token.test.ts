/**
 * OAuth client credentials: caching, proactive renewal, one renew-and-retry on a 401,
 * one shared in-flight token request, auth errors without secrets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isConnectorError } from '../../engine/connectors/errors.ts';
import { renewalMargin } from '../../engine/connectors/poweroffice-go/token.ts';
import { Random } from '../../sandbox/common/random.ts';
import { type Fixture, sleep, start, tokenCalls } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('PowerOffice Go tokens', () => {
  it('renews 60 s early, or at 90 % of short lifetimes', () => {
    expect(renewalMargin(1_200_000)).toBe(60_000);
    expect(renewalMargin(10_000)).toBe(1_000);
  });

  it('requests one token and reuses it', async () => {
    fx = await start();
    const c = fx.connect();
    await c.checkAuth();
    await c.get('customer', '1');
    await c.list('product')[Symbol.asyncIterator]().next();
    expect(tokenCalls(fx.sb)).toHaveLength(1);
    const token = tokenCalls(fx.sb)[0]!;
    expect(token.method).toBe('POST');
    expect(token.status).toBe(200);
  });

  it('sends Basic app:client, the subscription key and grant_type on the token call', async () => {
    let seen: Record<string, unknown> = {};
    fx = await start({
      onRequest: (request) => {
        if (/oauth\/token/i.test(request.url)) seen = { ...request.headers };
      },
    });
    await fx.connect().checkAuth();
    const expected = Buffer.from(`${fx.sb.applicationKey}:${fx.sb.clientKey}`).toString('base64');
    expect(seen.authorization).toBe(`Basic ${expected}`);
    expect(seen['ocp-apim-subscription-key']).toBe(fx.sb.subscriptionKey);
    expect(String(seen['content-type'])).toMatch(/application\/x-www-form-urlencoded/);
    expect(String(seen['user-agent'])).toMatch(/mapsync/);
    const body = fx.sb.log.list().find((r) => /token/i.test(r.path))?.body;
    expect(body).toEqual({ grant_type: 'client_credentials' });
  });

  it('renews proactively before a short-lived token expires (no 401 ever)', async () => {
    fx = await start({ faults: { tokenLifetimeSeconds: 2 } });
    const c = fx.connect();
    await c.checkAuth();
    await sleep(1900); // past 90 % of 2 s
    await c.checkAuth();
    await sleep(1900);
    await c.checkAuth();
    expect(tokenCalls(fx.sb)).toHaveLength(3);
    expect(fx.sb.log.list().filter((r) => r.status === 401)).toEqual([]);
  });

  it('renews once and retries when a token is refused (401)', async () => {
    fx = await start();
    const c = fx.connect();
    await c.checkAuth();
    fx.sb.tokens.revokeAll();
    const mark = fx.sb.log.mark();
    await c.checkAuth();
    const after = fx.sb.log.list(mark).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(after).toEqual([
      'GET /v2/ClientIntegrationInformation 401',
      'POST /OAuth/Token 200',
      'GET /v2/ClientIntegrationInformation 200',
    ]);
    // …and again on a later call: the retry hook is not used up for the instance.
    fx.sb.tokens.revokeAll();
    await c.checkAuth();
    expect(tokenCalls(fx.sb)).toHaveLength(3);
  });

  it('gives up after one renewal when the API keeps refusing (auth error)', async () => {
    fx = await start();
    const c = fx.connect();
    await c.checkAuth();
    // Every bearer token is refused from now on.
    fx.sb.tokens.bearerValid = () => false;
    const mark = fx.sb.log.mark();
    const error = await c.get('customer', '1').catch((e: unknown) => e);
    expect(isConnectorError(error, 'auth')).toBe(true);
    const calls = fx.sb.log.list(mark).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls).toEqual(['GET /v2/Customers/1 401', 'POST /OAuth/Token 200', 'GET /v2/Customers/1 401']);
  });

  it('retries the token request through a connection reset (it has no side effects)', async () => {
    // A fault seed whose first draw resets the connection and whose second does not.
    const seed = Array.from({ length: 100 }, (_, i) => i + 1).find((s) => {
      const r = new Random(s);
      return r.next() < 0.5 && r.next() >= 0.5;
    })!;
    fx = await start({ faults: { resetRate: 0.5, seed } });
    const c = fx.connect();
    const customer = await c.get('customer', '1');
    expect(customer).toBeNull();
    expect(tokenCalls(fx.sb).map((r) => r.fault ?? r.status)).toEqual(['reset', 200]);
  });

  it('shares one in-flight token request between concurrent callers', async () => {
    fx = await start({ rateLimit: false });
    const c = fx.connect();
    await Promise.all(Array.from({ length: 8 }, (_, i) => c.get('customer', String(i + 1))));
    expect(tokenCalls(fx.sb)).toHaveLength(1);
  });

  it('maps wrong keys to an auth error naming the OAuth error, without any secret', async () => {
    fx = await start();
    const c = fx.connect({ client_key: 'not-the-client-key-1234' });
    const error = await c.checkAuth().catch((e: unknown) => e);
    expect(isConnectorError(error, 'auth')).toBe(true);
    const e = error as { message: string; vendorCode?: string; status?: number };
    expect(e.vendorCode).toBe('invalid_client');
    expect(e.status).toBe(400);
    expect(e.message).toContain('Client integration not found');
    for (const secret of [fx.sb.applicationKey, 'not-the-client-key-1234', fx.sb.subscriptionKey]) {
      expect(e.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
      expect(String((error as Error).stack)).not.toContain(secret);
    }
  });

  it('maps a wrong subscription key (gateway 401) to an auth error', async () => {
    fx = await start();
    const c = fx.connect({ subscription_key: 'wrong-subscription-key-0000' });
    const error = await c.checkAuth().catch((e: unknown) => e);
    expect(isConnectorError(error, 'auth')).toBe(true);
    expect((error as Error).message).toContain('invalid subscription key');
    expect((error as Error).message).not.toContain('wrong-subscription-key-0000');
  });

  it('derives the token URL from the API URL, demo included', async () => {
    fx = await start();
    const root = fx.sb.url.replace(/\/v2$/, '');
    const c = fx.connect({ url: `${root}/Demo/v2` });
    await c.checkAuth();
    expect(tokenCalls(fx.sb).map((r) => r.path)).toEqual(['/Demo/OAuth/Token']);
    expect(fx.sb.log.list().at(-1)?.path).toBe('/Demo/v2/ClientIntegrationInformation');
  });
});
