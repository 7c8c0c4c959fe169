import { createHmac } from 'node:crypto';
import { Agent } from 'node:https';
import wooRestApi from '@woocommerce/woocommerce-rest-api';
import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../../engine/connectors/errors.ts';
import { connectors } from '../../engine/connectors/index.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { baseString, rfc3986 } from '../../sandbox/woocommerce/oauth.ts';
import { basicAuth, sandboxes, selfSignedCert } from './helpers.ts';

// The package is CommonJS with `exports.default`: Node's ESM import gives the exports object.
const WooCommerceRestApi = ((wooRestApi as unknown as { default?: unknown }).default ??
  wooRestApi) as unknown as typeof wooRestApi.default;

const json = async (r: Response): Promise<Record<string, unknown>> =>
  (await r.json()) as Record<string, unknown>;

const { pair, start: sandbox } = sandboxes();

describe('authentication', () => {
  it('auto over http signs with OAuth 1.0a (HMAC-SHA256), credentials only as OAuth params', async () => {
    const { sandbox: s, connector } = await pair({ seed: { count: 4, seed: 1 } });
    await connector.checkAuth();
    const page = await connector.list('customer')[Symbol.asyncIterator]().next();
    expect(page.value.records.length).toBe(4);
    const logged = s.log.list();
    expect(logged.every((r) => r.status === 200)).toBe(true);
    expect(logged[0]!.query.oauth_signature_method).toBe('HMAC-SHA256');
    expect(logged[0]!.query.oauth_signature).toBe('[REDACTED]');
    expect(logged[0]!.query.oauth_version).toBeUndefined();
  });

  it('Basic over plain http is accepted by the sandbox (like WooCommerce test set-ups)', async () => {
    const { connector } = await pair({}, { auth: 'basic' });
    await expect(connector.checkAuth()).resolves.toBeUndefined();
  });

  it('Basic over plain http is ignored when basicOverHttp is off, and checkAuth explains why', async () => {
    const { connector } = await pair({ basicOverHttp: false }, { auth: 'basic' });
    const error = await connector.checkAuth().catch((e: unknown) => e);
    expect(isConnectorError(error, 'auth')).toBe(true);
    expect((error as Error & { vendorCode: string }).vendorCode).toBe('woocommerce_rest_cannot_view');
    expect((error as Error).message).toMatch(/oauth1/);
  });

  it('Basic and query-string keys over https (self-signed certificate made at test time)', async () => {
    const tls = await selfSignedCert();
    const { sandbox: s, connector } = await pair(
      { https: tls, seed: { count: 3, seed: 2 } },
      { tls_ca: tls.cert },
    );
    expect(s.url.startsWith('https://')).toBe(true);
    await connector.checkAuth();
    expect(s.log.list().at(-1)!.query.oauth_signature).toBeUndefined();
    const query = await connectors.get('woocommerce')!.create(
      {
        url: s.url,
        consumer_key: s.consumerKey,
        consumer_secret: s.consumerSecret,
        auth: 'query',
        tls_ca: tls.cert,
      },
      createRuntime(),
    );
    const records = (await query.list('customer')[Symbol.asyncIterator]().next()).value.records;
    expect(records).toHaveLength(3);
    const last = s.log.list().at(-1)!;
    expect(last.query.consumer_key).toBe('[REDACTED]');
    expect(last.query.consumer_secret).toBe('[REDACTED]');
  });

  it('query-string keys over plain http are ignored (anonymous), as in a real shop', async () => {
    const s = await sandbox();
    const r = await fetch(
      `${s.apiUrl}/customers?consumer_key=${s.consumerKey}&consumer_secret=${s.consumerSecret}`,
    );
    expect(r.status).toBe(401);
    expect((await json(r)).code).toBe('woocommerce_rest_cannot_view');
  });

  it('wrong secret, unknown key and their error codes', async () => {
    const s = await sandbox();
    // Basic: known key, wrong secret → authentication error.
    let r = await fetch(`${s.apiUrl}/customers`, {
      headers: { authorization: `Basic ${Buffer.from(`${s.consumerKey}:cs_wrong`).toString('base64')}` },
    });
    expect(r.status).toBe(401);
    expect(await json(r)).toEqual({
      code: 'woocommerce_rest_authentication_error',
      message: 'Consumer secret is invalid.',
      data: { status: 401 },
    });
    // Basic: unknown key → anonymous → permission error.
    r = await fetch(`${s.apiUrl}/customers`, {
      headers: { authorization: `Basic ${Buffer.from('ck_unknown:cs_x').toString('base64')}` },
    });
    expect(r.status).toBe(401);
    expect((await json(r)).code).toBe('woocommerce_rest_cannot_view');
    // OAuth: unknown key → "Consumer key is invalid." (through the connector).
    const bad = await connectors
      .get('woocommerce')!
      .create({ url: s.url, consumer_key: 'ck_nope', consumer_secret: 'cs_nope' }, createRuntime());
    const error = await bad.checkAuth().catch((e: unknown) => e);
    expect(isConnectorError(error, 'auth')).toBe(true);
    expect((error as { vendorCode?: string }).vendorCode).toBe('woocommerce_rest_authentication_error');
    expect((error as Error).message).toContain('Consumer key is invalid.');
    // OAuth: wrong secret → signature mismatch; the secret never appears in the message.
    const wrong = await connectors
      .get('woocommerce')!
      .create(
        { url: s.url, consumer_key: s.consumerKey, consumer_secret: 'cs_wrong_secret' },
        createRuntime(),
      );
    const mismatch = await wrong.checkAuth().catch((e: unknown) => e as Error);
    expect((mismatch as Error).message).toContain('Invalid signature - provided signature does not match.');
    expect(JSON.stringify(mismatch) + (mismatch as Error).message).not.toContain('cs_wrong_secret');
    expect((mismatch as Error).message).not.toContain(s.consumerKey);
  });

  it('OAuth: signature per the reference, HMAC-SHA1 accepted, missing params, replayed nonce, stale timestamp', async () => {
    const s = await sandbox();
    const now = Math.floor(Date.now() / 1000);
    const signed = (params: Record<string, string>, method: 'HMAC-SHA1' | 'HMAC-SHA256') => {
      const base = baseString('GET', `${s.apiUrl}/customers`, params);
      const sig = createHmac(method === 'HMAC-SHA1' ? 'sha1' : 'sha256', `${s.consumerSecret}&`)
        .update(base)
        .digest('base64');
      const all = { ...params, oauth_signature: sig };
      return `${s.apiUrl}/customers?${Object.entries(all)
        .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
        .join('&')}`;
    };
    const params = (nonce: string, ts = now) => ({
      per_page: '5',
      search: 'a b',
      oauth_consumer_key: s.consumerKey,
      oauth_nonce: nonce,
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: String(ts),
    });
    expect((await fetch(signed(params('n1'), 'HMAC-SHA1'))).status).toBe(200);
    const replay = await fetch(signed(params('n1'), 'HMAC-SHA1'));
    expect(replay.status).toBe(401);
    expect((await json(replay)).message).toBe('Invalid nonce - nonce has already been used.');
    const stale = await fetch(signed(params('n2', now - 16 * 60), 'HMAC-SHA1'));
    expect((await json(stale)).message).toBe('Invalid timestamp.');
    const partial = await fetch(`${s.apiUrl}/customers?oauth_consumer_key=${s.consumerKey}&oauth_nonce=x`);
    expect(partial.status).toBe(401);
    expect((await json(partial)).code).toBe('woocommerce_rest_authentication_missing_parameter');
    const sha256 = { ...params('n3'), oauth_signature_method: 'HMAC-SHA256' };
    expect((await fetch(signed(sha256, 'HMAC-SHA256'))).status).toBe(200);
    const plaintext = { ...params('n4'), oauth_signature_method: 'PLAINTEXT' };
    expect((await json(await fetch(signed(plaintext, 'HMAC-SHA256')))).message).toBe(
      'Invalid signature - signature method is invalid.',
    );
  });

  it('OAuth signs home_url(path): the plain-permalink root without its slash, /wp-json paths as they are', async () => {
    const s = await sandbox({ seed: { count: 2, seed: 1 } });
    const now = String(Math.floor(Date.now() / 1000));
    const signedFetch = (
      signedBase: string,
      requestBase: string,
      extra: Record<string, string>,
      nonce: string,
    ) => {
      const params = {
        ...extra,
        oauth_consumer_key: s.consumerKey,
        oauth_nonce: nonce,
        oauth_signature_method: 'HMAC-SHA256',
        oauth_timestamp: now,
      };
      const sig = createHmac('sha256', `${s.consumerSecret}&`)
        .update(baseString('GET', signedBase, params))
        .digest('base64');
      const query = Object.entries({ ...params, oauth_signature: sig })
        .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
        .join('&');
      return fetch(`${requestBase}?${query}`);
    };
    const route = { rest_route: '/wc/v3/customers', role: 'all' };
    // Plain permalinks: WooCommerce signs `http://host:port`, not `http://host:port/`.
    expect((await signedFetch(s.url, `${s.url}/`, route, 'p1')).status).toBe(200);
    const slash = await signedFetch(`${s.url}/`, `${s.url}/`, route, 'p2');
    expect([slash.status, (await json(slash)).message]).toEqual([
      401,
      'Invalid signature - provided signature does not match.',
    ]);
    // Pretty permalinks: the path is part of the signed URL.
    const pretty = `${s.apiUrl}/customers`;
    expect((await signedFetch(pretty, pretty, { role: 'all' }, 'p3')).status).toBe(200);
    expect((await signedFetch(s.url, pretty, { role: 'all' }, 'p4')).status).toBe(401);
  });

  it('the connector signs plain-permalink requests the way WooCommerce verifies them', async () => {
    for (const plain of [true, false]) {
      const { connector, sandbox: s } = await pair(
        { seed: { count: 3, seed: 2 } },
        { plain_permalinks: plain },
      );
      await connector.checkAuth();
      const created = await connector.create('customer', { email: `signed.${plain}@example.no` });
      expect(created.id).toBeDefined();
      expect(s.log.list().every((r) => r.status < 300)).toBe(true);
    }
  });

  it('a retried OAuth request is signed again (no nonce replay after a 429)', async () => {
    const { sandbox: s, connector } = await pair({ seed: { count: 2, seed: 1 } });
    s.faults.configure({ rate429: 1 });
    setTimeout(() => s.faults.configure({}), 300);
    const records = (await connector.list('customer')[Symbol.asyncIterator]().next()).value.records;
    expect(records).toHaveLength(2);
    const statuses = s.log.list().map((r) => r.status);
    expect(statuses[0]).toBe(429);
    expect(statuses.at(-1)).toBe(200);
  });

  it('a read-only key may read but not write', async () => {
    const s = await sandbox({ credentials: { readOnly: true } });
    const ro = await connectors.get('woocommerce')!.create(
      {
        url: s.url,
        consumer_key: s.readOnlyKey!.consumerKey,
        consumer_secret: s.readOnlyKey!.consumerSecret,
      },
      createRuntime(),
    );
    await ro.checkAuth();
    const error = await ro.create('customer', { email: 'ro@example.no' }).catch((e: unknown) => e as Error);
    expect(isConnectorError(error, 'auth')).toBe(true);
    expect(error.message).toContain('The API key provided does not have write permissions.');
  });

  it('the official @woocommerce/woocommerce-rest-api client works over http (OAuth HMAC-SHA256) and https (Basic)', async () => {
    const s = await sandbox({ seed: { count: 5, seed: 4 } });
    const api = new WooCommerceRestApi({
      url: s.url,
      consumerKey: s.consumerKey,
      consumerSecret: s.consumerSecret,
      version: 'wc/v3',
    });
    const list = await api.get('customers', { per_page: 2, role: 'all' });
    expect(list.status).toBe(200);
    expect(list.data).toHaveLength(2);
    expect(list.headers['x-wp-total']).toBe('5');
    expect(s.log.list().at(-1)!.query.oauth_signature_method).toBe('HMAC-SHA256');
    const created = await api.post('customers', { email: 'official@example.no', billing: { city: 'Oslo' } });
    expect(created.status).toBe(201);
    const updated = await api.put(`customers/${created.data.id}`, { billing: { city: 'Bergen' } });
    expect(updated.data.billing.city).toBe('Bergen');

    const tls = await selfSignedCert();
    const secure = await sandbox({ https: tls, seed: { count: 3, seed: 4 } });
    const httpsApi = new WooCommerceRestApi({
      url: secure.url,
      consumerKey: secure.consumerKey,
      consumerSecret: secure.consumerSecret,
      version: 'wc/v3',
      axiosConfig: { httpsAgent: new Agent({ ca: tls.cert }) },
    });
    const products = await httpsApi.get('products', { per_page: 100 });
    expect(products.status).toBe(200);
    expect(products.data.length).toBeGreaterThan(0);
    const entry = secure.log.list().at(-1)!;
    expect(entry.query.oauth_signature).toBeUndefined();
  });

  it('Basic is refused over https when the secret is wrong (raw request check)', async () => {
    const tls = await selfSignedCert();
    const s = await sandbox({ https: tls });
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${s.apiUrl}/customers`,
        { ca: tls.cert, headers: { authorization: basicAuth({ ...s, consumerSecret: 'nope' }) } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
  });
});
