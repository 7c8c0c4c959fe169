/**
 * The monitor's rules on scripted facts (the end-to-end test drives the same rules through
 * the real service): age of failed records, one service-wide alert for the store, the
 * consecutive-failure threshold, which webhooks are this service's, conditions turned off.
 */
import { describe, expect, it } from 'vitest';
import type { Channel } from '../../engine/alerts/channels/channel.ts';
import type { Alert } from '../../engine/alerts/conditions.ts';
import { Dispatcher } from '../../engine/alerts/dispatcher.ts';
import { AlertMonitor, deliversTo } from '../../engine/alerts/monitor.ts';
import { resolveAlertSettings } from '../../engine/alerts/settings.ts';
import type { WebhookSubscription } from '../../engine/connectors/types.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import type { FailedRecordView, MappingInfo } from '../../engine/service/ports.ts';
import type { LastRun } from '../../engine/service/scheduler.ts';

const logger = createLogger({ level: 'silent' });
const NOW = new Date('2026-03-01T12:00:00Z');
const unit = (name: string): MappingInfo => ({
  name,
  source: { system: 'woocommerce', entity: name },
  target: { system: 'poweroffice-go', entity: name },
  direction: 'one-way',
  locksWith: [],
});

function setup(
  conditions: Record<string, unknown> = {},
  facts: { failed?: FailedRecordView[]; hooks?: WebhookSubscription[] } = {},
) {
  const sent: Alert[] = [];
  const channel: Channel = {
    name: 'c',
    type: 'test',
    async send(message) {
      sent.push(...message.alerts);
    },
  };
  const settings = resolveAlertSettings({
    channels: [{ type: 'slack', url: 'http://127.0.0.1:1/' }],
    conditions,
  })!;
  const dispatcher = new Dispatcher({
    service: 's',
    channels: [channel],
    rateLimit: settings.rateLimit,
    logger,
  });
  const monitor = new AlertMonitor({
    settings,
    units: [unit('orders'), unit('products')],
    failedRecords: async (name) => (facts.failed ?? []).filter((f) => f.mapping === name),
    webhookSources: [{ system: 'woocommerce', subscriptions: { list: async () => facts.hooks ?? [] } }],
    dispatcher,
    logger,
    now: () => NOW,
  });
  dispatcher.setStatusUrl('http://127.0.0.1:1/');
  return { monitor, sent };
}

const run = (status: LastRun['status'], codes: string[] = []): LastRun => ({
  mode: 'incremental',
  startedAt: NOW,
  finishedAt: NOW,
  durationMs: 1,
  status,
  counts: {},
  ...(codes.length ? { errors: codes.map((code) => ({ mapping: 'x', code })) } : {}),
});

const failed = (id: string, firstFailedAt: string, code = 'VALIDATION'): FailedRecordView => ({
  mapping: 'orders',
  side: 'source',
  id,
  reason: 'e-mail "kari@example.no" is not valid',
  code,
  failedAt: NOW.toISOString(),
  firstFailedAt,
});

describe('the alert monitor', () => {
  it('alerts on records failing for longer than older_than, oldest first, without their reasons', async () => {
    const { monitor, sent } = setup(
      { failed_records: { count: 50, older_than: '2h' } },
      {
        failed: [
          failed('7', '2026-03-01T11:00:00Z'),
          failed('5', '2026-03-01T09:00:00Z'),
          failed('6', '2026-03-01T09:30:00Z'),
        ],
      },
    );
    await monitor.checkNow();
    await monitor.idle();
    expect(sent.map((a) => [a.key, a.count, a.threshold, a.ids])).toEqual([
      ['failed-records-age:orders', 2, '2h', ['orders:5', 'orders:6']],
    ]);
    expect(JSON.stringify(sent)).not.toContain('kari');
  });

  it('the store failing is one alert for the service, whatever number of mappings it stops', async () => {
    const { monitor, sent } = setup();
    monitor.observeRun('orders', run('failed', ['STORE_UNAVAILABLE']));
    monitor.observeRun('products', run('failed', ['STORE_UNAVAILABLE']));
    monitor.observeRun('products', run('ok'));
    await monitor.idle();
    expect(sent.map((a) => [a.key, a.status, a.mappings])).toEqual([
      ['store-unavailable', 'firing', ['orders']],
      ['store-unavailable', 'resolved', ['orders', 'products']],
    ]);
  });

  it('after_failed_runs: a single failed run is not yet an alert', async () => {
    const { monitor, sent } = setup({ mapping_stopped: { after_failed_runs: 2 } });
    monitor.observeRun('orders', run('failed', ['CONNECTOR_TRANSPORT']));
    monitor.observeRun('orders', run('ok'));
    monitor.observeRun('orders', run('failed', ['CONNECTOR_TRANSPORT']));
    await monitor.idle();
    expect(sent).toEqual([]);
    monitor.observeRun('orders', run('failed', ['DELETE_LIMIT_EXCEEDED']));
    await monitor.idle();
    expect(sent.map((a) => [a.key, a.code])).toEqual([['mapping-stopped:orders', 'DELETE_LIMIT_EXCEEDED']]);
    expect(sent[0]!.summary).toContain('the delete circuit breaker tripped');
  });

  it('only disabled webhooks that deliver to this service count', async () => {
    const hook = (id: string, status: WebhookSubscription['status'], deliveryUrl: string) => ({
      id,
      topic: 'order.updated',
      status,
      deliveryUrl,
    });
    const { monitor, sent } = setup(
      {},
      {
        hooks: [
          hook('1', 'disabled', 'https://zapier.example/hooks/123'),
          hook('2', 'paused', 'https://sync.example.com/webhooks/woocommerce'),
          hook('3', 'disabled', 'https://sync.example.com/webhooks/woocommerce/'),
        ],
      },
    );
    await monitor.checkNow();
    await monitor.idle();
    expect(sent.map((a) => [a.key, a.ids])).toEqual([['webhook-disabled:woocommerce', ['3']]]);
    expect(deliversTo('https://h/webhooks/woocommerce?x=1', 'woocommerce')).toBe(true);
    expect(deliversTo('https://h/webhooks/woocommerce-2', 'woocommerce')).toBe(false);
  });

  it('a condition turned off never alerts', async () => {
    const { monitor, sent } = setup(
      { manual_conflicts: { enabled: false }, credentials_refused: { enabled: false } },
      { failed: [failed('9', NOW.toISOString(), 'CONFLICT')] },
    );
    await monitor.checkNow();
    monitor.observeRun('orders', {
      ...run('failed', ['CONNECTOR_AUTH']),
      authFailedSystem: 'poweroffice-go',
    });
    await monitor.idle();
    expect(sent).toEqual([]);
  });
});
