/**
 * WooCommerce (and any connector with the `webhooks` capability) delivers changes to
 * `POST /webhooks/<system>`. The intake verifies the delivery through the connector's
 * `webhooks.parse` over the raw body bytes (the connector compares the HMAC in constant
 * time), answers fast, and queues one targeted sync per mapping the record feeds. It never
 * does the sync itself: WooCommerce does not retry deliveries and disables a webhook after
 * repeated failures, so the answer must not depend on how busy PowerOffice is.
 *
 * Answers:
 * - 200 for a verified change (queued, coalesced or not relevant), for a delivery id seen
 *   in the last 15 minutes (`duplicate`, nothing queued: recent-deliveries.ts) and for the
 *   unsigned `webhook_id=N` ping (exactly 200, nothing queued: WooCommerce shows anything
 *   else as an error);
 * - 401 for a missing or wrong signature (nothing queued);
 * - 200 as well for a signed delivery the connector cannot use (an unsupported topic): a 4xx
 *   would only count towards WooCommerce disabling the webhook; 404 for an unknown system;
 * - 503 while the service shuts down (the next reconciliation finds the change).
 * Bodies over the limit are refused with 413 by the HTTP server before they get here.
 */
import type { Logger } from 'pino';
import { isConnectorError } from '../connectors/errors.ts';
import type { WebhookReceiver } from '../connectors/types.ts';
import type { WebhookResult } from './metrics.ts';
import type { MappingInfo, WorkItem } from './ports.ts';
import { RecentDeliveries } from './recent-deliveries.ts';
import type { EnqueueResult } from './work-queue.ts';

export interface WebhookSource {
  /** System name in mapsync.yaml. */
  name: string;
  /** Connector kind (`woocommerce`): `/webhooks/<kind>` works when only one system has it. */
  kind: string;
  receiver: WebhookReceiver;
}

export interface WebhookIntakeOptions {
  sources: readonly WebhookSource[];
  mappings: readonly MappingInfo[];
  enqueue(item: WorkItem): EnqueueResult;
  isDraining(): boolean;
  logger: Logger;
  onResult?(system: string, result: WebhookResult): void;
  /** Delivery ids seen recently (default: 15 minutes, at most 10,000 ids). */
  recentDeliveries?: RecentDeliveries;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class WebhookIntake {
  private readonly recent: RecentDeliveries;

  constructor(private readonly options: WebhookIntakeOptions) {
    this.recent = options.recentDeliveries ?? new RecentDeliveries();
  }

  /** The source for a path segment: a system name, or a kind that only one system has. */
  resolve(segment: string): WebhookSource | undefined {
    const byName = this.options.sources.find((s) => s.name === segment);
    if (byName) return byName;
    const byKind = this.options.sources.filter((s) => s.kind === segment);
    return byKind.length === 1 ? byKind[0] : undefined;
  }

  handle(
    segment: string,
    headers: Record<string, string | string[] | undefined>,
    rawBody: Buffer,
  ): WebhookAnswer {
    const source = this.resolve(segment);
    if (!source) return { status: 404, body: { error: `no system "${segment}" receives webhooks` } };
    const report = (result: WebhookResult) => this.options.onResult?.(source.name, result);
    if (this.options.isDraining()) {
      report('draining');
      return { status: 503, body: { error: 'shutting down' } };
    }
    let event: ReturnType<WebhookReceiver['parse']>;
    try {
      event = source.receiver.parse(headers, rawBody);
    } catch (error) {
      if (isConnectorError(error, 'auth')) {
        report('rejected');
        this.options.logger.warn(
          { system: source.name, topic: header(headers, 'x-wc-webhook-topic') },
          'webhook rejected: missing or wrong signature',
        );
        return { status: 401, body: { error: 'signature missing or invalid' } };
      }
      if (isConnectorError(error, 'validation')) {
        // Signed by the shop but not something we sync (a coupon topic, a body without an
        // id): a 4xx would only count towards WooCommerce disabling the webhook.
        report('ignored');
        this.options.logger.warn({ system: source.name, reason: error.message }, 'webhook ignored');
        return { status: 200, body: { ok: true, queued: 0, ignored: error.message } };
      }
      report('rejected');
      this.options.logger.warn({ system: source.name, err: error }, 'webhook rejected: not a valid delivery');
      return { status: 400, body: { error: 'not a valid webhook delivery' } };
    }
    if (event.type === 'ping') {
      report('ping');
      this.options.logger.debug({ system: source.name, webhookId: event.webhookId }, 'webhook ping received');
      return { status: 200, body: { ok: true } };
    }
    if (event.deliveryId !== undefined && this.recent.seenBefore(`${source.name}\n${event.deliveryId}`)) {
      report('duplicate');
      this.options.logger.debug(
        { system: source.name, id: event.id },
        'webhook delivery seen before: ignored',
      );
      return { status: 200, body: { ok: true, queued: 0, duplicate: true } };
    }
    const items = this.itemsFor(source.name, event.entity, event.id, event.event);
    if (items.length === 0) {
      report('ignored');
      return { status: 200, body: { ok: true, queued: 0 } };
    }
    let queued = 0;
    let coalesced = 0;
    for (const item of items) {
      const result = this.options.enqueue(item);
      report(result);
      if (result === 'queued') queued++;
      if (result === 'coalesced') coalesced++;
    }
    return { status: 200, body: { ok: true, queued, coalesced } };
  }

  /**
   * The work a change feeds: every mapping that reads this system's entity as its source,
   * and every two-way mapping that has it as its target (changes flow back from there).
   */
  itemsFor(system: string, entity: string, id: string, event: WorkItem['event']): WorkItem[] {
    const items: WorkItem[] = [];
    for (const m of this.options.mappings) {
      if (m.source.system === system && m.source.entity === entity) {
        items.push({ mapping: m.name, side: 'source', id, reason: 'webhook', event });
      } else if (m.direction === 'two-way' && m.target.system === system && m.target.entity === entity) {
        items.push({ mapping: m.name, side: 'target', id, reason: 'webhook', event });
      }
    }
    return items;
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
