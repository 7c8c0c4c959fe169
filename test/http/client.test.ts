/**
 * The shared got client against a real loopback server: retries by method, the
 * authorize hook running before the rate limiter, afterResponse retries, and transport
 * errors that carry no headers or URLs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortOptions, createHttpClient, transportError } from '../../engine/connectors/http/client.ts';
import { RateLimiter } from '../../engine/connectors/http/rate-limiter.ts';
import { createRuntime } from '../../engine/runtime.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function serve(handler: Handler): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    handler(req, res, hits.length);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, hits };
}

describe('createHttpClient', () => {
  it('retries a GET on 503 but never a POST', async () => {
    const { url, hits } = await serve((_req, res, n) => {
      res.statusCode = n === 1 ? 503 : 200;
      res.end('{}');
    });
    const http = createHttpClient({
      system: 't',
      prefixUrl: url,
      runtime: createRuntime(),
      retry: { baseDelayMs: 1 },
    });
    expect((await http.get('a')).statusCode).toBe(200);
    expect((await http.post('b', { body: '{}' })).statusCode).toBe(200);
    const post = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const client = createHttpClient({
      system: 't',
      prefixUrl: post.url,
      runtime: createRuntime(),
      retry: { baseDelayMs: 1 },
    });
    expect((await client.post('c', { body: '{}' })).statusCode).toBe(503);
    expect(post.hits).toHaveLength(1);
    expect(hits).toHaveLength(3);
  });

  it('retries side-effect-free POSTs through resets', async () => {
    const { url, hits } = await serve((req, res, n) => {
      if (n === 1) {
        req.socket.destroy();
        return;
      }
      res.end('{}');
    });
    const http = createHttpClient({
      system: 't',
      prefixUrl: url,
      runtime: createRuntime(),
      sideEffectFree: true,
      retry: { baseDelayMs: 1 },
    });
    expect((await http.post('token', { body: 'x' })).statusCode).toBe(200);
    expect(hits).toHaveLength(2);
  });

  it('runs authorize before the limiter, on every attempt, and supports retryWithMergedOptions', async () => {
    const { url, hits } = await serve((req, res) => {
      res.statusCode = req.headers.authorization === 'Bearer 2' ? 200 : 401;
      res.end();
    });
    const order: string[] = [];
    const limiter = new RateLimiter({ limit: 100 });
    const acquire = limiter.acquire.bind(limiter);
    limiter.acquire = (onWait) => {
      order.push('limiter');
      return acquire(onWait);
    };
    let token = 0;
    const http = createHttpClient({
      system: 't',
      prefixUrl: url,
      runtime: createRuntime(),
      limiter,
      authorize: (options) => {
        order.push('authorize');
        options.headers.authorization = `Bearer ${token}`;
      },
      hooks: {
        afterResponse: [
          (response, retry) => {
            if (response.statusCode !== 401) return response;
            token++;
            return retry({});
          },
        ],
      },
    });
    token = 1;
    expect((await http.get('x')).statusCode).toBe(200);
    expect(hits.map((h) => h.split(' ').slice(2).join(' '))).toEqual(['Bearer 1', 'Bearer 2']);
    expect(order).toEqual(['authorize', 'limiter', 'authorize', 'limiter']);
  });

  it('pauses the credential on a 429 before it frees the slot, so no waiting caller is sent into it', async () => {
    const { url } = await serve((_req, res, n) => {
      res.statusCode = n === 1 ? 429 : 200;
      if (n === 1) res.setHeader('retry-after', '1');
      res.end('{}');
    });
    const order: string[] = [];
    const limiter = new RateLimiter({ limit: 100 });
    const acquire = limiter.acquire.bind(limiter);
    limiter.acquire = async (onWait, signal) => {
      const release = await acquire(onWait, signal);
      return () => {
        order.push('release');
        release();
      };
    };
    const pause = limiter.pause.bind(limiter);
    limiter.pause = (ms) => {
      order.push(`pause ${ms}`);
      pause(ms);
    };
    const http = createHttpClient({ system: 't', prefixUrl: url, runtime: createRuntime(), limiter });
    expect((await http.get('x')).statusCode).toBe(200);
    // got works out the retry delay (and pauses again) only after the slot was freed.
    expect(order.slice(0, 2)).toEqual(['pause 1000', 'release']);
  });

  it('maps a timed-out POST to ambiguous and keeps headers and URLs out of the cause', async () => {
    const { url } = await serve(() => {
      /* never answers */
    });
    const http = createHttpClient({
      system: 't',
      prefixUrl: url,
      runtime: createRuntime(),
      requestTimeoutMs: 200,
    });
    const error = await http
      .post('items?key=secret-in-query', { body: '{}', headers: { authorization: 'Bearer secret-token' } })
      .then(
        () => {
          throw new Error('expected a timeout');
        },
        (e: unknown) => transportError('t', e),
      );
    expect(error).toMatchObject({ kind: 'ambiguous', method: 'POST', path: '/items' });
    const text = `${error.message} ${JSON.stringify(error)} ${JSON.stringify(error.cause)} ${String((error.cause as Error).message)}`;
    expect(text).not.toContain('secret');
    expect((error.cause as { code?: string }).code).toBe('ETIMEDOUT');
  });

  it('a write waiting for the rate limiter is cancelled by its signal and never sent; a sent one runs to its end', async () => {
    let release = () => {};
    const { url, hits } = await serve((req, res) => {
      // The first request is held at the server until the signal has fired.
      if (req.url === '/slow') {
        release = () => res.end('{}');
        return;
      }
      res.end('{}');
    });
    // One request per 10 s: the second cannot get budget while the test runs, so only the
    // abort can end its wait.
    const limiter = new RateLimiter({ limit: 1, intervalMs: 10_000, marginMs: 0 });
    // What the chaos store-outage run counts: a write's send, in the tick of its last check.
    const writesSent: string[] = [];
    const runtime = createRuntime({
      telemetry: {
        request() {},
        rateLimitWait() {},
        writeSent: (w) => writesSent.push(`${w.method} ${w.path}`),
      },
    });
    const http = createHttpClient({ system: 't', prefixUrl: url, runtime, limiter });
    const controller = new AbortController();
    const sent = http.post('slow', { body: '{}', ...abortOptions('POST', controller.signal) });
    await vi.waitUntil(() => hits.length === 1, { timeout: 10_000 });
    // Queued behind the first one's budget.
    const queued = http.post('queued', { body: '{}', ...abortOptions('POST', controller.signal) });
    await vi.waitUntil(() => limiter.queued() === 1, { timeout: 10_000 });
    controller.abort(new Error('store down'));
    const error = await queued.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(limiter.queued()).toBe(0);
    const mapped = transportError('t', error);
    expect(mapped).toMatchObject({ kind: 'transport', method: 'POST' });
    expect(mapped.message).toMatch(/cancelled before it was sent/);
    release();
    // The request already on the wire was not aborted.
    expect((await sent).statusCode).toBe(200);
    expect(hits.map((h) => h.split(' ')[1])).toEqual(['/slow']);
    expect(writesSent).toEqual(['POST /slow']);
    // A read is aborted through got's own signal, wherever it is.
    expect(abortOptions('GET', controller.signal)).toEqual({ signal: controller.signal });
  });
});
