/**
 * Shared set-up for the PowerOffice Go tests: a real sandbox on a loopback port and
 * connectors built from options the registry's reader checked (never a mocked HTTP client).
 * They are built synchronously, as the spec's `create` builds them once it has imported the
 * connector (`new PowerOfficeGoConnector(resolve(options))`), so tests can `connect()` inline.
 */

import { connectors } from '../../engine/connectors/index.ts';
import { resolve } from '../../engine/connectors/poweroffice-go/config.ts';
import { PowerOfficeGoConnector } from '../../engine/connectors/poweroffice-go/connector.ts';
import { createRuntime, type Runtime } from '../../engine/runtime.ts';
import {
  type PowerOfficeSandbox,
  type PowerOfficeSandboxOptions,
  startPowerOfficeSandbox,
} from '../../sandbox/poweroffice-go/index.ts';

export interface Fixture {
  sb: PowerOfficeSandbox;
  config: Record<string, unknown>;
  connect(overrides?: Record<string, unknown>, runtime?: Runtime): PowerOfficeGoConnector;
  close(): Promise<void>;
}

export async function start(options: PowerOfficeSandboxOptions = {}): Promise<Fixture> {
  const sb = await startPowerOfficeSandbox(options);
  const config = {
    url: sb.url,
    application_key: sb.applicationKey,
    client_key: sb.clientKey,
    subscription_key: sb.subscriptionKey,
  };
  const opened: PowerOfficeGoConnector[] = [];
  return {
    sb,
    config,
    connect(overrides = {}, runtime = createRuntime()) {
      const options = connectors.get('poweroffice-go')!.readOptions({ ...config, ...overrides });
      const c = new PowerOfficeGoConnector(resolve(options as Parameters<typeof resolve>[0]), runtime);
      opened.push(c);
      return c;
    },
    async close() {
      for (const c of opened) await c.close();
      await sb.close();
    },
  };
}

/** A raw API call against the sandbox (fresh token each time), for sandbox-level checks. */
export async function raw(
  sb: PowerOfficeSandbox,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: unknown; headers: Headers }> {
  const token = await fetchToken(sb);
  const response = await fetch(`${sb.url}/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'ocp-apim-subscription-key': sb.subscriptionKey,
      ...(body !== undefined
        ? { 'content-type': method === 'PATCH' ? 'application/json-patch+json' : 'application/json' }
        : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}

export async function fetchToken(sb: PowerOfficeSandbox): Promise<string> {
  const response = await fetch(sb.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${sb.applicationKey}:${sb.clientKey}`).toString('base64')}`,
      'ocp-apim-subscription-key': sb.subscriptionKey,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Token requests in the sandbox log. */
export const tokenCalls = (sb: PowerOfficeSandbox, mark = 0) =>
  sb.log.list(mark).filter((r) => /\/oauth\/token$/i.test(r.path));
