/**
 * The generic webhook: POST of the JSON payload (message.ts), signed so the receiver can
 * tell it comes from this service and is fresh:
 *
 *   X-Mapsync-Timestamp: <unix seconds>
 *   X-Mapsync-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *   X-Mapsync-Delivery:  <uuid, the same on every retry of one message>
 *
 * Verification (docs/operations.md): recompute over the raw body, compare in constant
 * time, refuse timestamps older than 5 minutes, ignore a delivery id seen before.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { type AlertMessage, payload } from '../message.ts';
import { type Channel, httpPoster } from './channel.ts';

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookChannel(options: {
  name: string;
  url: string;
  secret: string;
  userAgent: string;
  now?: () => Date;
}): Channel {
  const post = httpPoster(options.name);
  // One delivery id per message, kept across its retries.
  const deliveries = new WeakMap<AlertMessage, string>();
  return {
    name: options.name,
    type: 'webhook',
    async send(message) {
      let delivery = deliveries.get(message);
      if (!delivery) {
        delivery = randomUUID();
        deliveries.set(message, delivery);
      }
      const body = JSON.stringify(payload(message, delivery));
      const timestamp = String(Math.floor((options.now?.() ?? new Date()).getTime() / 1000));
      await post(options.url, {
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': options.userAgent,
          'x-mapsync-delivery': delivery,
          'x-mapsync-timestamp': timestamp,
          'x-mapsync-signature': signature(options.secret, timestamp, body),
        },
      });
    },
  };
}
