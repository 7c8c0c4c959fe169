/**
 * Shared set-up for the WooCommerce tests: real sandboxes on loopback port 0, connectors
 * built through the registry factory, and a self-signed certificate made at test time.
 */
import { generate } from 'selfsigned';
import { afterEach } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import type { Connector } from '../../engine/connectors/types.ts';
import { createRuntime } from '../../engine/runtime.ts';
import {
  startWooCommerceSandbox,
  type WooSandbox,
  type WooSandboxOptions,
} from '../../sandbox/woocommerce/index.ts';

export interface Pair {
  sandbox: WooSandbox;
  connector: Connector;
  close(): Promise<void>;
}

/** Fast retries so fault tests do not wait seconds. */
export const fastRetry = { limit: 4 };

export async function startPair(
  options: WooSandboxOptions = {},
  config: Record<string, unknown> = {},
): Promise<Pair> {
  // Webhooks go out when a test flushes the hub (`sandbox.hub.flush()`, POST
  // /__admin/webhooks/flush), never on a timer of their own: a coalescing timer of a few ms
  // could fire on a busy machine between a change and the flush the test counts on.
  const sandbox = await startWooCommerceSandbox({ webhookDelayMs: 10 * 60_000, ...options });
  const connector = await connectors.get('woocommerce')!.create(
    {
      url: sandbox.url,
      consumer_key: sandbox.consumerKey,
      consumer_secret: sandbox.consumerSecret,
      webhook_secret: sandbox.webhookSecret,
      ...config,
    },
    createRuntime(),
  );
  return {
    sandbox,
    connector,
    async close() {
      await connector.close();
      await sandbox.close();
    },
  };
}

let certificate: Promise<{ key: string; cert: string }> | undefined;

/** A self-signed certificate for 127.0.0.1/localhost (made once per test file). */
export function selfSignedCert(): Promise<{ key: string; cert: string }> {
  certificate ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return certificate;
}

export async function collect(
  iterable: AsyncIterable<{ records: Array<Record<string, unknown>>; cursor?: string }>,
) {
  const pages: Array<{ records: Array<Record<string, unknown>>; cursor?: string }> = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

export function basicAuth(sandbox: WooSandbox): string {
  return `Basic ${Buffer.from(`${sandbox.consumerKey}:${sandbox.consumerSecret}`).toString('base64')}`;
}

type Json = Record<string, unknown>;

/**
 * Sandboxes (and anything else) a test file starts, closed after each test: `start()` a
 * sandbox, `pair()` a sandbox with its connector (startPair), `track()` another closer.
 * Call once at the top of a test file (it registers the file's afterEach).
 */
export function sandboxes(defaults: WooSandboxOptions = {}) {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
  });
  return {
    async start(options: WooSandboxOptions = {}): Promise<WooSandbox> {
      const s = await startWooCommerceSandbox({ ...defaults, ...options });
      closers.push(() => s.close());
      return s;
    },
    async pair(...args: Parameters<typeof startPair>): Promise<Pair> {
      const p = await startPair(...args);
      closers.push(() => p.close());
      return p;
    },
    track(close: () => Promise<void>): void {
      closers.push(close);
    },
  };
}

/** A wc/v3 request with the sandbox's key (Basic), JSON in and out. */
export async function api(s: WooSandbox, method: string, path: string, body?: unknown, auth = true) {
  const r = await fetch(`${s.apiUrl}/${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: basicAuth(s) } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Json & Json[] };
}

/** A `/__admin` request. */
export async function adminApi(s: WooSandbox, path: string, body: unknown, method = 'POST') {
  const r = await fetch(`${s.adminUrl}/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Json };
}
