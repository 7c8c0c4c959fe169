/**
 * Error mapping: ProblemDetails in either casing, gateway bodies, HTML error pages,
 * duplicate guards with the existing id, secrets never in messages.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectorError, isConnectorError } from '../../engine/connectors/errors.ts';
import {
  existingIdFrom,
  parseProblem,
  responseError,
} from '../../engine/connectors/poweroffice-go/errors.ts';
import { type Fixture, start } from './helpers.ts';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const map = (status: number, body: unknown, method = 'POST') =>
  responseError({
    method,
    path: '/v2/Customers',
    status,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('PowerOffice Go error mapping (unit)', () => {
  it('reads ProblemDetails case-insensitively', () => {
    expect(parseProblem('{"Title":"T","Detail":"D","Status":400}')).toEqual({
      title: 'T',
      detail: 'D',
      status: 400,
    });
    expect(parseProblem('{"title":"T","detail":"D"}')).toEqual({ title: 'T', detail: 'D' });
    expect(parseProblem('<html>')).toBeUndefined();
    expect(parseProblem('{"statusCode":401,"message":"x"}')).toBeUndefined();
  });

  it('parses the existing id of a duplicate, numeric or uuid', () => {
    expect(
      existingIdFrom(
        "ExternalImportReference is already in use. 'ABC123' is used on (contact) Id = 123456789.",
      ),
    ).toBe('123456789');
    expect(existingIdFrom('… is used on (sales order) Id = 38ecfc1a-bf51-448f-99a8-a61bc5771109.')).toBe(
      '38ecfc1a-bf51-448f-99a8-a61bc5771109',
    );
    expect(existingIdFrom('Customer with id = 12345 is in use and cannot be deleted.')).toBeUndefined();
  });

  it.each([
    [
      400,
      {
        title: 'Customer validation error(s)',
        detail: "ExternalImportReference is already in use. 'A' is used on (contact) Id = 7.",
      },
      'conflict',
    ],
    [
      400,
      {
        Title: 'Customer validation error(s)',
        Detail: "ExternalImportReference is already in use. 'A' is used on (contact) Id = 7.",
      },
      'conflict',
    ],
    [
      400,
      {
        title: 'Sales order validation error(s)',
        detail: 'Sales order with id = x is confirmed and locked for editing.',
      },
      'locked',
    ],
    [
      400,
      { title: 'One or more validation errors occurred.', errors: { '$.Quantity': ['bad'] } },
      'validation',
    ],
    [
      400,
      { title: 'Customer validation error(s)', detail: 'Name is required when IsPerson is false.' },
      'validation',
    ],
    [
      400,
      {
        title: 'Customer validation error(s)',
        detail:
          "CustomerPatchDto: The current value 'already in use' at path 'PhoneNumber' is not equal to the test value '1'.",
      },
      'stale',
    ],
    [
      400,
      {
        title: 'One or more validation errors occurred.',
        errors: {
          CustomerPatchDto: ["The current value 'a' at path 'FirstName' is not equal to the test value 'b'."],
        },
      },
      'stale',
    ],
    [
      400,
      {
        title: 'Customer validation error(s)',
        detail: 'CustomerPatchDto: The test operation is not supported.',
      },
      'validation',
    ],
    [422, { title: 'Unprocessable' }, 'validation'],
    [401, '', 'auth'],
    [401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' }, 'auth'],
    [403, '', 'auth'],
    [404, { title: 'Object(s) not found', detail: 'Customer with id = 1 not found.' }, 'not-found'],
    [
      409,
      { title: 'Customer conflict', detail: 'Customer with id = 1 is in use and cannot be deleted.' },
      'conflict',
    ],
    [429, { statusCode: 429, message: 'Rate limit is exceeded. Try again in 3 seconds.' }, 'rate-limited'],
    [500, { title: 'An error occurred while processing your request.', status: 500 }, 'transport'],
    [502, '<html><body>Bad Gateway</body></html>', 'ambiguous'],
  ] as const)('%i %j → %s', (status, body, kind) => {
    const error = map(status, body, status === 404 ? 'GET' : 'POST');
    expect(error.kind).toBe(kind);
    if (kind === 'conflict' && status === 400) expect(error.existingId).toBe('7');
    if (kind === 'rate-limited') expect(error.retryAfterMs).toBe(3000);
  });

  it('treats a 404 without ProblemDetails (wrong base URL) as transport, not as "record not found"', () => {
    expect(map(404, '<html>Not Found</html>', 'GET').kind).toBe('transport');
    expect(map(404, { statusCode: 404, message: 'Resource not found' }, 'GET').kind).toBe('transport');
  });

  it('maps a refused method or media type (no body) to validation, a bodiless 400 to transport', () => {
    expect(map(415, '', 'PATCH').kind).toBe('validation');
    expect(map(405, '', 'PUT').kind).toBe('validation');
    expect(map(400, '<html>Bad Request</html>', 'GET').kind).toBe('transport');
  });

  it('maps HTML 5xx on reads to transport', () => {
    expect(map(502, '<html>Bad Gateway</html>', 'GET').kind).toBe('transport');
    expect(map(503, '<html>Service Unavailable</html>', 'DELETE').kind).toBe('transport');
  });

  it('names method, path, status and the vendor text; vendorCode is the title', () => {
    const e = map(400, {
      title: 'Customer validation error(s)',
      detail: 'Name is required when IsPerson is false.',
    });
    expect(e.message).toBe(
      'poweroffice-go: POST /v2/Customers → 400 Customer validation error(s): Name is required when IsPerson is false.',
    );
    expect(e.vendorCode).toBe('Customer validation error(s)');
    expect(e.code).toBe('CONNECTOR_VALIDATION');
  });
});

describe('PowerOffice Go error mapping (against the sandbox)', () => {
  it('maps PascalCase ProblemDetails the same as lower case', async () => {
    for (const problemDetailsCase of ['lower', 'pascal'] as const) {
      fx = await start({ problemDetailsCase });
      const c = fx.connect();
      const a = await c.create('customer', {
        Name: 'A AS',
        EmailAddress: 'a@a.no',
        ExternalImportReference: 'R1',
      });
      const error = (await c
        .create('customer', { Name: 'B AS', EmailAddress: 'b@b.no', ExternalImportReference: 'R1' })
        .catch((e: unknown) => e)) as ConnectorError;
      expect(error).toMatchObject({
        kind: 'conflict',
        existingId: String(a.Id),
        vendorCode: 'Customer validation error(s)',
      });
      const body = fx.sb.log.list().at(-1);
      expect(body?.status).toBe(400);
      const notFound = await c
        .update('customer', '999', [{ op: 'replace', path: '/Name', value: 'x' }])
        .catch((e: unknown) => e);
      expect(isConnectorError(notFound, 'not-found')).toBe(true);
      await fx.close();
      fx = undefined;
    }
  });

  it('retries a GET through HTML 502s, then reports transport; a POST is not retried and is ambiguous', async () => {
    fx = await start();
    const c = fx.connect();
    await c.checkAuth();
    fx.sb.faults.configure({ rate502: 1 });
    let mark = fx.sb.log.mark();
    const read = (await c.get('customer', '1').catch((e: unknown) => e)) as ConnectorError;
    expect(read.kind).toBe('transport');
    expect(read.status).toBe(502);
    expect(fx.sb.log.list(mark)).toHaveLength(5);
    mark = fx.sb.log.mark();
    const write = (await c.create('product', { Name: 'x' }).catch((e: unknown) => e)) as ConnectorError;
    expect(write.kind).toBe('ambiguous');
    expect(fx.sb.log.list(mark)).toHaveLength(1);
    expect(write.requestBody).toEqual({ Name: 'x' });
    fx.sb.faults.configure({ rate502: 0.5, seed: 4 });
    expect(await c.get('product', String([...fx.sb.state.products.keys()][0]))).not.toBeNull();
  });

  it('reports a truncated 2xx body on a write as ambiguous (it was applied)', async () => {
    fx = await start();
    const c = fx.connect();
    await c.checkAuth();
    fx.sb.faults.configure({ malformedRate: 1 });
    const error = (await c
      .create('product', { Code: 'M', Name: 'm' })
      .catch((e: unknown) => e)) as ConnectorError;
    expect(error.kind).toBe('ambiguous');
    fx.sb.faults.configure({});
    expect(await c.findByGuard('product', { field: 'Code', value: 'M' })).toHaveLength(1);
  });

  it('never puts keys or tokens into error messages, causes or serialisations', async () => {
    fx = await start();
    const token = 'sandbox-secret-token-never-shown';
    const secrets = [fx.sb.applicationKey, fx.sb.clientKey, fx.sb.subscriptionKey];
    const c = fx.connect({ timeout_ms: 300 });
    await c.checkAuth();
    const errors: unknown[] = [];
    fx.sb.faults.configure({ timeoutRate: 1 });
    errors.push(await c.get('customer', '1').catch((e: unknown) => e));
    errors.push(await c.create('customer', { Name: 'T' }).catch((e: unknown) => e));
    fx.sb.faults.configure({ resetRate: 1 });
    errors.push(await c.get('customer', '1').catch((e: unknown) => e));
    fx.sb.faults.configure({});
    errors.push(
      await c
        .create('customer', { Name: 'x'.repeat(5), ExternalImportReference: 'y'.repeat(60) })
        .catch((e: unknown) => e),
    );
    errors.push(
      await fx
        .connect({ application_key: 'wrong-app-key-123' })
        .checkAuth()
        .catch((e: unknown) => e),
    );
    const tokens = [...(fx.sb.tokens as unknown as { tokens: Map<string, number> }).tokens.keys(), token];
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      let text = `${(error as Error).message}\n${(error as Error).stack}\n${JSON.stringify(error)}`;
      for (let cause = (error as Error).cause; cause; cause = (cause as Error).cause) {
        text += `\n${JSON.stringify(cause)}\n${String((cause as Error).message)}`;
      }
      for (const secret of [...secrets, ...tokens, 'wrong-app-key-123']) expect(text).not.toContain(secret);
    }
  });
});
