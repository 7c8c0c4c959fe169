/**
 * Verifying and parsing WooCommerce webhook deliveries.
 *
 * - Signature: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(raw body bytes, secret)),
 *   compared in constant time over the raw bytes as received (never re-serialised JSON).
 * - Ping: when a webhook is saved as active WooCommerce POSTs the form body `webhook_id=N`
 *   without any X-WC header and without a signature; it is the only unsigned delivery
 *   accepted (the receiver must answer exactly 200).
 * - Topic headers: `X-WC-Webhook-Topic` (`customer.updated`), `-Resource`, `-Event`,
 *   `-Delivery-ID`. They are NOT covered by the signature: a captured delivery replayed with
 *   another topic still verifies. So they are trusted only as far as the signed body bears
 *   them out: a `deleted` body is only `{"id": N}` while every other event carries the whole
 *   record, so the body decides whether it is a delete; a whole record shows which resource
 *   it is (an order has `line_items`, a product `sku`, a customer `email`), and a topic that
 *   names another resource is refused. Only a delete's resource rests on the header: the
 *   engine acts on a delete after its own lookup answers "not found", so a replay can at
 *   worst make it look a record up.
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
  const headerEvent = get('x-wc-webhook-event') ?? topicEvent ?? '';
  const entity = RESOURCES[resource];
  if (!entity || !EVENTS.has(headerEvent)) throw ignored(`webhook topic "${topic}" is not supported`);
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw ignored('webhook body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw ignored('webhook body has no id');
  const record = body as Record<string, unknown>;
  const id = record.id;
  if (typeof id !== 'number' && typeof id !== 'string') throw ignored('webhook body has no id');
  // What the signed body proves: `{"id": N}` alone is a delete, a whole record is not.
  const deleted = Object.keys(record).length === 1;
  const shown = deleted ? undefined : resourceOf(record);
  if (!deleted && shown !== entity) {
    throw ignored(
      shown
        ? `the topic header names a ${entity} but the signed body is a ${shown} (a delivery replayed with another topic?)`
        : `the signed body does not show that it is a ${entity}`,
    );
  }
  const event = deleted ? 'deleted' : headerEvent === 'deleted' ? 'updated' : headerEvent;
  // The code sends X-WC-Webhook-Delivery-ID; WooCommerce's docs name it X-WC-Delivery-ID.
  const deliveryId = get('x-wc-webhook-delivery-id') ?? get('x-wc-delivery-id');
  return {
    type: 'change',
    entity,
    event: event as 'created' | 'updated' | 'deleted' | 'restored',
    id: String(id),
    ...(deleted ? {} : { record }),
    ...(deliveryId !== undefined ? { deliveryId } : {}),
  };
}

/**
 * The resource a whole record is (wc/v3 shapes): an order has `line_items`, a product
 * `sku` (also "" when unset) and a customer `email` at the top level (an order's e-mail is
 * under `billing`). Undefined when none fits.
 */
function resourceOf(record: Record<string, unknown>): string | undefined {
  if ('line_items' in record || 'order_key' in record) return 'order';
  if ('sku' in record) return 'product';
  if ('email' in record) return 'customer';
  return undefined;
}

/** Signed by the shop but not something to act on (answered 200, see webhook-intake.ts). */
function ignored(reason: string): ConnectorError {
  return new ConnectorError(`${SYSTEM}: ${reason}`, { system: SYSTEM, kind: 'validation' });
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
