/**
 * The shop's REST API as the e2e tests call it to set up and check records (Basic auth over
 * the sandbox's plain http): a call that is not answered with 2xx fails the test, with the
 * answer's text.
 */
import { expect } from 'vitest';
import type { Pair } from './pair.ts';

export async function wooApi(pair: Pair, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${pair.woo.url}/wp-json/wc/v3/${route}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${pair.woo.consumerKey}:${pair.woo.consumerSecret}`).toString('base64')}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return JSON.parse(text);
}
