/**
 * Webhooks: the `/webhooks` resource and delivery.
 *
 * Delivery works like WooCommerce's Action Scheduler queue: a change schedules one job per
 * matching active webhook and record; further changes of that record before the job runs
 * are coalesced into it, and the payload is built at delivery time (the record as `GET`
 * returns it then; `{"id": N}` for deletes). POST with `X-WC-Webhook-Source/Topic/
 * Resource/Event/Signature/ID/Delivery-ID`, signature = base64(HMAC-SHA256(body, secret)).
 * No retries. Success = HTTP 200–302 and resets `failure_count`; a failure while
 * `failure_count > 5` disables the webhook (so the 7th consecutive failure), otherwise it
 * increments the count. A webhook created through the API as active gets the unsigned
 * form-encoded ping `webhook_id=N` (no X-WC headers).
 */
import { createHash, createHmac } from 'node:crypto';
import { first, type Query } from './collection.ts';
import type { Shop } from './shop.ts';
import { WC_VERSION, WP_VERSION } from './shop.ts';
import type { Rec, WebhookRec } from './state.ts';
import type { Resource } from './validate.ts';
import { invalidParams, missingParams, WpError } from './wp-error.ts';

const RESOURCES = ['coupon', 'customer', 'order', 'product'];
const EVENTS = ['created', 'updated', 'deleted', 'restored'];
const STATUSES = ['active', 'paused', 'disabled'] as const;
const MAX_FAILURES = 5;
export const USER_AGENT = `WooCommerce/${WC_VERSION} Hookshot (WordPress/${WP_VERSION})`;

interface Job {
  webhookId: number;
  resource: Resource;
  event: string;
  id: number;
  timer?: NodeJS.Timeout;
}

export class WebhookHub {
  private readonly pending = new Map<string, Job>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly shop: Shop,
    private readonly render: (resource: Resource, id: number) => Rec | undefined,
    private readonly delayMs = 250,
  ) {}

  /** Schedule deliveries for a change (coalesced per webhook and record). */
  notify(resource: Resource, event: string, id: number): void {
    if (this.closed) return;
    for (const hook of this.shop.data.webhooks) {
      if (hook.status !== 'active' || hook.topic !== `${resource}.${event}`) continue;
      const key = `${hook.id}:${resource}:${id}`;
      if (this.pending.has(key)) continue;
      const job: Job = { webhookId: hook.id, resource, event, id };
      job.timer = setTimeout(() => this.run(key), this.delayMs);
      this.pending.set(key, job);
    }
  }

  /** Deliver everything pending now and wait for all deliveries to finish. */
  async flush(): Promise<void> {
    for (const key of [...this.pending.keys()]) this.run(key);
    await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.pending.values()) clearTimeout(job.timer);
    this.pending.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  /** The unsigned ping WooCommerce sends when a webhook is saved as active. */
  ping(hook: WebhookRec): void {
    this.track(
      this.post(hook, `webhook_id=${hook.id}`, { 'content-type': 'application/x-www-form-urlencoded' }).then(
        (status) => {
          this.log(hook, status, true);
        },
      ),
    );
  }

  private run(key: string): void {
    const job = this.pending.get(key);
    if (!job) return;
    clearTimeout(job.timer);
    this.pending.delete(key);
    const hook = this.shop.data.webhooks.find((h) => h.id === job.webhookId);
    if (hook?.status !== 'active') return;
    const record = job.event === 'deleted' ? undefined : this.render(job.resource, job.id);
    const body = JSON.stringify(record ?? { id: job.id }).trim();
    const signature = createHmac('sha256', hook.secret).update(body).digest('base64');
    const deliveryId = createHash('md5').update(`${hook.id}${Date.now()}${Math.random()}`).digest('hex');
    this.track(
      this.post(hook, body, {
        'content-type': 'application/json',
        'x-wc-webhook-source': `${this.shop.settings.siteUrl}/`,
        'x-wc-webhook-topic': hook.topic,
        'x-wc-webhook-resource': job.resource,
        'x-wc-webhook-event': job.event,
        'x-wc-webhook-signature': signature,
        'x-wc-webhook-id': String(hook.id),
        'x-wc-webhook-delivery-id': deliveryId,
      }).then((status) => {
        const ok = typeof status === 'number' && status >= 200 && status <= 302;
        if (ok) hook.failure_count = 0;
        else if (hook.failure_count > MAX_FAILURES) hook.status = 'disabled';
        else hook.failure_count += 1;
        this.log(hook, status, false, job.id);
        this.shop.onMutate();
      }),
    );
  }

  private async post(
    hook: WebhookRec,
    body: string,
    headers: Record<string, string>,
  ): Promise<number | 'error'> {
    try {
      const response = await fetch(hook.delivery_url, {
        method: 'POST',
        headers: { ...headers, 'user-agent': USER_AGENT },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(60_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.status;
    } catch {
      return 'error';
    }
  }

  private log(hook: WebhookRec, status: number | 'error', ping: boolean, resourceId?: number): void {
    const ok = typeof status === 'number' && status >= 200 && status <= 302;
    this.shop.data.deliveries.push({
      webhookId: hook.id,
      topic: hook.topic,
      ...(resourceId !== undefined ? { resourceId } : {}),
      ...(ping ? { ping: true } : {}),
      status,
      ok,
      at: new Date().toISOString(),
    });
    if (this.shop.data.deliveries.length > 1000) this.shop.data.deliveries.splice(0, 100);
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }
}

function hooksFor(topic: string): string[] {
  const [resource, event] = topic.split('.');
  const map: Record<string, string[]> = {
    'customer.created': ['user_register', 'woocommerce_created_customer', 'woocommerce_new_customer'],
    'customer.updated': ['profile_update', 'woocommerce_update_customer'],
    'customer.deleted': ['delete_user'],
    'order.created': ['woocommerce_new_order'],
    'order.updated': ['woocommerce_update_order', 'woocommerce_order_refunded'],
    'order.deleted': ['wp_trash_post', 'woocommerce_trash_order'],
    'product.created': ['woocommerce_new_product'],
    'product.updated': ['woocommerce_update_product'],
    'product.deleted': ['wp_trash_post'],
  };
  return map[topic] ?? [`woocommerce_${event ?? ''}_${resource ?? ''}`];
}

function validTopic(topic: unknown): topic is string {
  if (typeof topic !== 'string') return false;
  const [resource, event] = topic.split('.');
  if (resource === 'action') return /^(woocommerce|wc)_/.test(event ?? '');
  return RESOURCES.includes(resource ?? '') && EVENTS.includes(event ?? '');
}

function view(hook: WebhookRec): Rec {
  const { failure_count: _hidden, ...rest } = hook;
  return rest as unknown as Rec;
}

export function getWebhook(shop: Shop, id: number): WebhookRec {
  const hook = shop.data.webhooks.find((h) => h.id === id);
  if (!hook) throw new WpError('woocommerce_rest_webhook_invalid_id', 'Invalid ID.', 404);
  return hook;
}

function applyFields(hook: WebhookRec, body: Rec): void {
  const params: Record<string, string> = {};
  if (body.status !== undefined && !STATUSES.includes(body.status as (typeof STATUSES)[number])) {
    params.status = `status is not one of ${STATUSES.join(', ')}.`;
  }
  if (body.delivery_url !== undefined && !/^https?:\/\/\S+$/.test(String(body.delivery_url))) {
    params.delivery_url = 'Invalid URL.';
  }
  if (Object.keys(params).length > 0) throw invalidParams(params);
  if (body.topic !== undefined) {
    if (!validTopic(body.topic)) {
      throw new WpError(
        'woocommerce_rest_webhook_invalid_topic',
        'Webhook topic is required and must be valid.',
        400,
      );
    }
    const [resource, event] = body.topic.split('.');
    hook.topic = body.topic;
    hook.resource = resource!;
    hook.event = event!;
    hook.hooks = hooksFor(body.topic);
  }
  if (typeof body.name === 'string') hook.name = body.name;
  if (typeof body.delivery_url === 'string') hook.delivery_url = body.delivery_url;
  if (typeof body.secret === 'string') hook.secret = body.secret;
  if (typeof body.status === 'string') {
    // Re-activating resets the failure count, as saving in wp-admin does.
    if (body.status === 'active' && hook.status !== 'active') hook.failure_count = 0;
    hook.status = body.status as WebhookRec['status'];
  }
}

export function createWebhook(shop: Shop, hub: WebhookHub, body: Rec, defaultSecret: string): Rec {
  const missing = ['topic', 'delivery_url'].filter((k) => body[k] === undefined || body[k] === '');
  if (missing.length > 0) throw missingParams(missing);
  const now = shop.now();
  const hook: WebhookRec = {
    id: shop.data.seq.webhook + 1,
    name: '',
    status: 'active',
    topic: '',
    resource: '',
    event: '',
    hooks: [],
    delivery_url: '',
    // Deliberate difference: without a given secret the sandbox uses its configured one.
    secret: defaultSecret,
    ...(shop.dates('date_created', now) as { date_created: string; date_created_gmt: string }),
    ...(shop.dates('date_modified', now) as { date_modified: string; date_modified_gmt: string }),
    failure_count: 0,
  };
  applyFields(hook, body);
  shop.data.seq.webhook = hook.id;
  if (!hook.name) hook.name = `Webhook created on ${hook.date_created}`;
  shop.data.webhooks.push(hook);
  shop.onMutate();
  if (hook.status === 'active') hub.ping(hook);
  return view(hook);
}

export function updateWebhook(shop: Shop, id: number, body: Rec): Rec {
  const hook = getWebhook(shop, id);
  applyFields(hook, body);
  Object.assign(hook, shop.dates('date_modified', shop.now()));
  shop.onMutate();
  return view(hook);
}

export function deleteWebhook(shop: Shop, id: number, force: boolean): Rec {
  if (!force)
    throw new WpError('woocommerce_rest_trash_not_supported', 'Webhooks do not support trashing.', 501);
  const hook = getWebhook(shop, id);
  shop.data.webhooks = shop.data.webhooks.filter((h) => h.id !== id);
  shop.onMutate();
  return view(hook);
}

export function listWebhooks(shop: Shop, query: Query): Rec[] {
  const status = first(query, 'status') ?? 'all';
  return shop.data.webhooks.filter((h) => status === 'all' || h.status === status).map(view);
}

export function webhookView(hook: WebhookRec): Rec {
  return view(hook);
}
