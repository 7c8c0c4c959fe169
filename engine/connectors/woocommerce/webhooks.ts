/**
 * Verifying and parsing WooCommerce webhook deliveries.
 *
 * - Signature: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(raw body bytes, secret)),
 *   compared in constant time over the raw bytes as received (never re-serialised JSON).
 * - Ping: when a webhook is saved as active WooCommerce POSTs the form body `webhook_id=N`
 *   without any X-WC header and without a signature; it is the only unsigned delivery
 *   accepted (the receiver must answer exactly 200).
 * - Topic headers: `X-WC-Webhook-Topic` (`customer.updated`), `-Resource`, `-Event`,
 *   `-Delivery-ID`. A `deleted` body is only `{"id": N}`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from '../errors.ts';
import type { WebhookEvent, WebhookReceiver } from '../types.ts';
import { SYSTEM } from './errors.ts';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const RESOURCES: Readonly<Record<string, string>> = {
  customer: 'customer',
  order: 'order',
  product: 'product',
};
const EVENTS = new Set(['created', 'updated', 'deleted', 'restored']);

export function webhookReceiver(secret: string | undefined): WebhookReceiver {
  return { parse: (headers, rawBody) => parseDelivery(headers, rawBody, secret) };
}

export function signBody(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

export function parseDelivery(headers: Headers, rawBody: Buffer, secret: string | undefined): WebhookEvent {
  const get = (name: string) => lookup(headers, name);
  const signature = get('x-wc-webhook-signature');
  const hasWcHeaders = Object.keys(headers).some((k) => k.toLowerCase().startsWith('x-wc-webhook-'));
  if (signature === undefined && !hasWcHeaders) {
    const ping = /^webhook_id=(\d+)$/.exec(rawBody.toString('utf8').trim());
    if (ping) return { type: 'ping', webhookId: ping[1]! };
  }
  if (signature === undefined) throw reject('missing X-WC-Webhook-Signature');
  if (!secret) throw reject('no webhook_secret is configured, so deliveries cannot be verified');
  const expected = Buffer.from(signBody(rawBody, secret), 'utf8');
  const given = Buffer.from(signature.trim(), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw reject('signature mismatch');

  const topic = get('x-wc-webhook-topic') ?? '';
  const [topicResource, topicEvent] = topic.split('.');
  const resource = get('x-wc-webhook-resource') ?? topicResource ?? '';
  const event = get('x-wc-webhook-event') ?? topicEvent ?? '';
  const entity = RESOURCES[resource];
  if (!entity || !EVENTS.has(event)) {
    throw new ConnectorError(`${SYSTEM}: webhook topic "${topic}" is not supported`, {
      system: SYSTEM,
      kind: 'validation',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ConnectorError(`${SYSTEM}: webhook body is not JSON`, { system: SYSTEM, kind: 'validation' });
  }
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  if (typeof id !== 'number' && typeof id !== 'string') {
    throw new ConnectorError(`${SYSTEM}: webhook body has no id`, { system: SYSTEM, kind: 'validation' });
  }
  // The code sends X-WC-Webhook-Delivery-ID; WooCommerce's docs name it X-WC-Delivery-ID.
  const deliveryId = get('x-wc-webhook-delivery-id') ?? get('x-wc-delivery-id');
  return {
    type: 'change',
    entity,
    event: event as 'created' | 'updated' | 'deleted' | 'restored',
    id: String(id),
    ...(event !== 'deleted' ? { record: body as Record<string, unknown> } : {}),
    ...(deliveryId !== undefined ? { deliveryId } : {}),
  };
}

function lookup(headers: Headers, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function reject(reason: string): ConnectorError {
  return new ConnectorError(`${SYSTEM}: webhook rejected: ${reason}`, { system: SYSTEM, kind: 'auth' });
}
