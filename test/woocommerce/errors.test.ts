import { describe, expect, it } from 'vitest';
import { type ConnectorError, isConnectorError } from '../../engine/connectors/errors.ts';
import { errorFromResponse } from '../../engine/connectors/woocommerce/errors.ts';
import { sandboxes } from './helpers.ts';

const { pair } = sandboxes();
const fail = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as ConnectorError);

describe('error mapping', () => {
  it('maps WordPress error bodies by status and code', () => {
    const map = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      errorFromResponse(
        { statusCode: status, headers, body: JSON.stringify(body) },
        'GET',
        '/wp-json/wc/v3/x',
      );
    const wp = (code: string, status: number, extra = {}) => ({
      code,
      message: 'm',
      data: { status, ...extra },
    });
    expect(map(401, wp('woocommerce_rest_authentication_error', 401)).kind).toBe('auth');
    expect(map(403, wp('woocommerce_rest_cannot_edit', 403)).kind).toBe('auth');
    const v = map(400, wp('rest_invalid_param', 400, { params: { email: 'Invalid email address.' } }));
    expect([v.kind, v.fields]).toEqual(['validation', { email: 'Invalid email address.' }]);
    expect(map(400, wp('registration-error-email-exists', 400)).kind).toBe('conflict');
    expect(map(400, wp('product_invalid_sku', 400)).kind).toBe('conflict');
    expect(map(400, wp('woocommerce_rest_shop_order_invalid_id', 400)).kind).toBe('not-found');
    expect(map(404, wp('wc_user_invalid_id', 404)).kind).toBe('not-found');
    expect(map(409, wp('some_conflict', 409)).kind).toBe('conflict');
    expect(map(410, wp('woocommerce_rest_already_trashed', 410)).kind).toBe('not-found');
    expect(map(413, wp('woocommerce_rest_request_entity_too_large', 413)).kind).toBe('validation');
    const limited = map(429, wp('too_many_requests', 429), { 'retry-after': '3' });
    expect([limited.kind, limited.retryAfterMs]).toEqual(['rate-limited', 3000]);
    expect(map(500, wp('internal_server_error', 500)).kind).toBe('transport');
    expect(map(501, wp('woocommerce_rest_trash_not_supported', 501)).kind).toBe('validation');
    const html = errorFromResponse(
      { statusCode: 502, headers: {}, body: '<html>Bad Gateway</html>' },
      'GET',
      '/p',
    );
    expect([html.kind, html.status, html.vendorCode]).toEqual(['transport', 502, undefined]);
    const truncated = errorFromResponse({ statusCode: 200, headers: {}, body: '[{"id":1' }, 'GET', '/p');
    expect(truncated.kind).toBe('transport');
  });

  it('a proxy HTML 502 on every attempt ends as a transport error, not a crash', async () => {
    const { sandbox, connector } = await pair();
    sandbox.faults.configure({ rate502: 1 });
    const error = await fail(connector.get('customer', '1'));
    expect(isConnectorError(error, 'transport')).toBe(true);
    expect(error!.status).toBe(502);
    expect(sandbox.log.list().length).toBe(5); // first try + 4 retries (GET is idempotent)
  });

  it('a POST is not retried on 500 and is never blindly repeated', async () => {
    const { sandbox, connector } = await pair();
    sandbox.faults.configure({ rate500: 1 });
    const error = await fail(connector.create('customer', { email: 'x@example.no' }));
    expect(error!.kind).toBe('transport');
    expect(error!.vendorCode).toBe('internal_server_error');
    expect(sandbox.log.list()).toHaveLength(1);
  });

  it('a POST that times out is ambiguous (it may have been applied); GETs survive sporadic resets', async () => {
    const { sandbox, connector } = await pair({}, { timeout_ms: 400 });
    sandbox.faults.configure({ timeoutRate: 1 });
    const error = await fail(connector.create('customer', { email: 't@example.no' }));
    expect(isConnectorError(error, 'ambiguous')).toBe(true);
    expect(sandbox.state.data.customers).toHaveLength(1); // the write happened
    sandbox.faults.configure({ resetRate: 0.5, seed: 3 });
    for (let i = 0; i < 5; i++) expect(await connector.get('customer', '1')).not.toBeNull();
  });

  it('429s are waited out (Retry-After) and the call succeeds', async () => {
    const { sandbox, connector } = await pair({ seed: { count: 3, seed: 1 } });
    sandbox.faults.configure({ rate429: 1 });
    setTimeout(() => sandbox.faults.configure({}), 1500);
    const started = Date.now();
    expect(await connector.get('customer', '1')).not.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(sandbox.log.list()[0]!.status).toBe(429);
  });

  it('a server-side rate limit (rateLimit option) is respected: every call eventually succeeds', async () => {
    const { sandbox, connector } = await pair({ rateLimit: 5, seed: { count: 3, seed: 1 } });
    const results = await Promise.all(Array.from({ length: 12 }, () => connector.get('customer', '2')));
    expect(results.every((r) => r !== null)).toBe(true);
    expect(sandbox.log.list().some((r) => r.status === 429)).toBe(true);
  });

  it('never puts credentials into error messages or serialised errors', async () => {
    const { sandbox } = await pair();
    const woocommerce = (await import('../../engine/connectors/index.ts')).connectors.get('woocommerce')!;
    const { createRuntime } = await import('../../engine/runtime.ts');
    for (const auth of ['oauth1', 'basic'] as const) {
      const connector = await woocommerce.create(
        { url: sandbox.url, consumer_key: sandbox.consumerKey, consumer_secret: 'cs_totally_wrong', auth },
        createRuntime(),
      );
      const error = await fail(connector.checkAuth());
      const text = `${error!.message} ${JSON.stringify(error)} ${error!.path} ${String(error!.stack)}`;
      expect(text).not.toContain('cs_totally_wrong');
      expect(text).not.toContain(sandbox.consumerKey);
      expect(text).not.toContain('oauth_signature');
      expect(error!.path).toBe('/wp-json/wc/v3/customers');
    }
  });

  it('rest_route shops (plain permalinks) work the same', async () => {
    const { sandbox, connector } = await pair({ seed: { count: 5, seed: 8 } }, { plain_permalinks: true });
    const pages = [];
    for await (const page of connector.list('order')) pages.push(page);
    expect(pages.flatMap((p) => p.records)).toHaveLength(5);
    const created = await connector.create('customer', { email: 'plain@example.no' });
    expect(created.id).toBeGreaterThan(0);
    expect(sandbox.log.list().every((r) => r.path === '/')).toBe(true);
  });

  it('method_override sends PUT/DELETE as POST with X-HTTP-Method-Override (hosts that block them)', async () => {
    const { sandbox, connector } = await pair({ seed: { count: 3, seed: 1 } }, { method_override: true });
    const updated = await connector.update('customer', '1', [
      { op: 'replace', path: '/last_name', value: 'Over' },
    ]);
    expect(updated.last_name).toBe('Over');
    await connector.remove('product', '1', 'delete');
    expect(sandbox.state.find('product', 1)!.status).toBe('trash');
    expect(sandbox.log.list().map((r) => r.method)).toEqual(['POST', 'POST']);
  });
});
