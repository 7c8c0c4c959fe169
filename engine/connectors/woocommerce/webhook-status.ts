/**
 * The shop's own webhook registrations (`GET /webhooks`, every page), for the alert that
 * fires when WooCommerce disables a webhook after repeated delivery failures (it then stops
 * sending without telling anyone). Read-only; the secret and other fields are dropped.
 */
import type { WebhookSubscription, WriteOptions } from '../types.ts';
import { WooApi } from './api.ts';

const PAGE = 100;
const STATUSES = new Set(['active', 'paused', 'disabled']);

export async function listWebhookSubscriptions(
  api: WooApi,
  options: WriteOptions = {},
): Promise<WebhookSubscription[]> {
  const out: WebhookSubscription[] = [];
  for (let page = 1; ; page++) {
    const response = await api.request<Array<Record<string, unknown>>>('GET', 'webhooks', {
      query: { per_page: PAGE, page, status: 'all' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for (const hook of Array.isArray(response.body) ? response.body : []) {
      const status = String(hook.status);
      out.push({
        id: String(hook.id),
        topic: String(hook.topic ?? ''),
        // An unknown status is not "active": report it as paused (nothing is being delivered).
        status: (STATUSES.has(status) ? status : 'paused') as WebhookSubscription['status'],
        deliveryUrl: String(hook.delivery_url ?? ''),
      });
    }
    const pages = WooApi.totals(response.headers).pages;
    if ((pages !== undefined ? page >= pages : (response.body?.length ?? 0) < PAGE) || page >= 100)
      return out;
  }
}
