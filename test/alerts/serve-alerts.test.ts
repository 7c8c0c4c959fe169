// biome-ignore-all lint/suspicious/noTemplateCurlyInString: mapsync.yaml text with ${VAR} references
/**
 * Alerts end to end, through the service composition `mapsync serve` uses (bootService)
 * against both sandboxes, with real conditions: records that fail, a listing that fails,
 * PowerOffice refusing the client's keys, the shop disabling a webhook after failed
 * deliveries, a conflict left for a person. Every alert goes to a generic webhook (signed),
 * a Slack-compatible webhook and an SMTP sink, all on 127.0.0.1. Checked: one alert per
 * condition until it clears, then one "resolved"; the signature verifies as documented; the
 * link to the status page; no personal data in any message; no secret in the logs.
 */
import { createHmac } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../engine/alerts/conditions.ts';
import { failedRecords } from '../../engine/cli/commands/failed.ts';
import { openProject } from '../../engine/compose.ts';
import { connectors } from '../../engine/connectors/index.ts';
import type { Connector } from '../../engine/connectors/types.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { bootService, type RunningService } from '../../engine/service/boot.ts';
import type { LastRun } from '../../engine/service/scheduler.ts';
import { type Pair, REPO, startPair } from '../e2e/helpers/pair.ts';
import { type HttpReceiver, type SmtpSink, startHttpReceiver, startSmtpSink } from './receivers.ts';

const HOOK_SECRET = 'hook-signing-secret-4f1c9e';
const SMTP = { user: 'mapsync', password: 'smtp-password-7d2a' };
/** Personal data put into records; no alert may carry any of it. */
const PERSONAL = ['Zorbalina', 'Quexwright', 'zorbalina.quex', 'Wooside', 'Poside'];

let pair: Pair;
let running: RunningService;
let hook: HttpReceiver;
let smtp: SmtpSink;
const logs: string[] = [];

const wooAuth = () =>
  `Basic ${Buffer.from(`${pair.woo.consumerKey}:${pair.woo.consumerSecret}`).toString('base64')}`;

async function call(url: string, method: string, body?: unknown, auth?: string): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function until(check: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Ask for a run of `mapping`, wait for it to finish and for its alerts to be delivered. */
async function run(mapping: string, mode: 'incremental' | 'full' = 'incremental'): Promise<LastRun> {
  const scheduler = running.service.scheduler;
  const before = scheduler.state(mapping).lastRun;
  scheduler.requestRun(mapping, mode);
  await until(() => scheduler.state(mapping).lastRun !== before, `a run of ${mapping}`);
  await running.alerts!.idle();
  return scheduler.state(mapping).lastRun!;
}

async function check(): Promise<void> {
  await running.alerts!.checkNow();
  await running.alerts!.idle();
}

const hookDeliveries = () => hook.received.filter((d) => d.path === '/hook');
const alerts = () => hookDeliveries().flatMap((d) => (JSON.parse(d.body) as { alerts: Alert[] }).alerts);
const sent = (key: string, status: Alert['status']) =>
  alerts().filter((a) => a.key === key && a.status === status);
const slackTexts = () =>
  hook.received.filter((d) => d.path === '/slack').map((d) => JSON.parse(d.body).text as string);

beforeAll(async () => {
  pair = await startPair({ shop: { count: 6, seed: 21 } });
  hook = await startHttpReceiver();
  smtp = await startSmtpSink(SMTP);
  // The shipped mappings, with conflicts on customers left for a person.
  const maps = join(pair.dir, 'maps');
  cpSync(join(REPO, 'mappings'), maps, { recursive: true });
  const customer = join(maps, 'customer-person.yaml');
  writeFileSync(
    customer,
    readFileSync(customer, 'utf8').replace('conflict: newest-wins', 'conflict: manual'),
  );
  const config = join(pair.dir, 'serve.yaml');
  writeFileSync(
    config,
    `${readFileSync(pair.configPath, 'utf8').replace(/^mappings: .*$/m, `mappings: ${maps}`)}alerts:
  name: test-shop
  check_every: 1h
  rate_limit: { max: 100, per: 1h }
  conditions:
    failed_records: { count: 2, older_than: 1h }
  channels:
    - { type: webhook, name: hook, url: "\${ALERT_HOOK_URL}", secret: "\${ALERT_HOOK_SECRET}" }
    - { type: slack, name: chat, url: "\${ALERT_SLACK_URL}" }
    - type: email
      name: mail
      host: 127.0.0.1
      port: \${SMTP_PORT}
      user: \${SMTP_USER}
      password: \${SMTP_PASSWORD}
      from: mapsync@example.test
      to: [ops@example.test]
`,
  );
  const booted = await bootService({
    configPath: config,
    cwd: pair.dir,
    env: {
      ...pair.env,
      ALERT_HOOK_URL: `${hook.url}/hook`,
      ALERT_HOOK_SECRET: HOOK_SECRET,
      ALERT_SLACK_URL: `${hook.url}/slack`,
      SMTP_PORT: String(smtp.port),
      SMTP_USER: SMTP.user,
      SMTP_PASSWORD: SMTP.password,
    },
    registry: connectors,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'debug',
    logDestination: { write: (line: string) => void logs.push(line) },
    version: 'test',
    settings: { schedule: { defaults: { pollMs: 3_600_000, reconcileMs: 3_600_000 }, mappings: {} } },
  });
  if (!booted.ok) throw new Error(`service did not start: ${JSON.stringify(booted)}`);
  running = booted;
  const scheduler = running.service.scheduler;
  await until(() => scheduler.states().every((s) => s.lastRun && !s.current), 'the first runs');
  await running.alerts!.idle();
}, 180_000);

afterAll(async () => {
  await running?.stop('test done');
  await Promise.allSettled([hook?.close(), smtp?.close()]);
  await pair?.close();
});

describe('alerts from mapsync serve', () => {
  it('starts quiet: the first runs of a healthy setup alert nothing', async () => {
    await check();
    expect(alerts()).toEqual([]);
  });

  it('failed records above the threshold: one alert on every channel, signed, linked, without personal data', async () => {
    for (const id of [9101, 9102]) {
      await call(`${pair.woo.url}/__admin/records/customer`, 'POST', {
        id,
        email: `zorbalina.quex${id}(at)example.no`,
        first_name: 'Zorbalina',
        last_name: 'Quexwright',
      });
    }
    await run('customer-person');
    await check();
    await check(); // still failing: nothing new
    const [firing, ...more] = sent('failed-records:customer-person', 'firing');
    expect(more).toEqual([]);
    expect(firing).toMatchObject({
      kind: 'failed-records',
      mapping: 'customer-person',
      count: 2,
      threshold: 2,
    });
    // Oldest failure first: both failed in the same run, in either order.
    expect([...firing!.ids!].sort()).toEqual(['customer-person:9101', 'customer-person:9102']);
    expect(Object.keys(firing!.codes!)).toEqual(['VALIDATION']);

    // The generic webhook: signature over "<timestamp>.<raw body>", as docs/operations.md says.
    const delivery = hookDeliveries().at(-1)!;
    const timestamp = String(delivery.headers['x-mapsync-timestamp']);
    const expected = `sha256=${createHmac('sha256', HOOK_SECRET).update(`${timestamp}.${delivery.body}`).digest('hex')}`;
    expect(delivery.headers['x-mapsync-signature']).toBe(expected);
    expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(300);
    const body = JSON.parse(delivery.body);
    expect(body).toMatchObject({ version: 1, service: 'test-shop', statusUrl: `${running.url}/` });
    expect(body.delivery).toBe(delivery.headers['x-mapsync-delivery']);

    // Slack and e-mail say the same, with the link to the status page.
    expect(slackTexts().at(-1)).toContain('*FIRING* mapping "customer-person": 2 failed records');
    expect(slackTexts().at(-1)).toContain(`<${running.url}/|Status page>`);
    const mail = (await smtp.mails()).at(-1)!;
    expect(mail).toMatchObject({ user: SMTP.user, to: ['ops@example.test'] });
    expect(mail.subject).toBe(`[test-shop] FIRING: ${firing!.summary}`);
    expect(mail.text).toContain(`Status page: ${running.url}/`);
  });

  it('the failed records fixed and retried: one "resolved"', async () => {
    for (const id of [9101, 9102]) {
      await call(`${pair.woo.url}/__admin/records/customer/${id}`, 'PATCH', {
        email: `fixed${id}@example.no`,
      });
    }
    await running.service.scheduler.exclusive('customer-person', (signal) =>
      running.service.context.engine.retryFailed('customer-person', undefined, signal),
    );
    await check();
    await check();
    expect(sent('failed-records:customer-person', 'resolved')).toHaveLength(1);
    expect(sent('failed-records:customer-person', 'resolved')[0]!.resolvedAt).toBeDefined();
  });

  it('a mapping stopped by a failing listing alerts once over two runs, and resolves with the next good run', async () => {
    await call(`${pair.woo.url}/__admin/faults`, 'PUT', { rate503: 1 });
    try {
      expect((await run('product')).status).toBe('failed');
      expect((await run('product')).status).toBe('failed');
    } finally {
      await call(`${pair.woo.url}/__admin/faults`, 'PUT', {});
    }
    const firing = sent('mapping-stopped:product', 'firing');
    expect(firing).toHaveLength(1);
    expect(firing[0]!.code).toMatch(/^CONNECTOR_/);
    expect((await run('product')).status).toBe('ok');
    expect(sent('mapping-stopped:product', 'resolved')).toHaveLength(1);
  });

  it("PowerOffice refusing the client's keys: a credentials alert (not a stopped-mapping one), resolved once accepted again", async () => {
    const stoppedBefore = sent('mapping-stopped:product', 'firing').length;
    await call(`${pair.po.adminUrl}/client`, 'PUT', { active: false });
    try {
      const failed = await run('product');
      expect(failed.authFailedSystem).toBe('poweroffice-go');
    } finally {
      await call(`${pair.po.adminUrl}/client`, 'PUT', { active: true });
    }
    expect(sent('credentials-refused:poweroffice-go', 'firing')).toMatchObject([
      { system: 'poweroffice-go', code: 'CONNECTOR_AUTH' },
    ]);
    expect(sent('mapping-stopped:product', 'firing')).toHaveLength(stoppedBefore);
    expect((await run('product')).status).toBe('ok');
    expect(sent('credentials-refused:poweroffice-go', 'resolved')).toHaveLength(1);
  });

  it('a webhook the shop disabled after failed deliveries alerts; re-activated, it resolves', async () => {
    const api = pair.woo.apiUrl;
    const webhook = (await call(
      `${api}/webhooks`,
      'POST',
      {
        name: 'mapsync',
        topic: 'product.updated',
        delivery_url: `${running.url}/webhooks/woocommerce`,
        // Not the secret mapsync.yaml has: every delivery is refused with 401.
        secret: 'a-rotated-secret',
        status: 'active',
      },
      wooAuth(),
    )) as { id: number };
    const state = (await call(`${pair.woo.url}/__admin/state`, 'GET')) as { products: Array<{ id: number }> };
    const product = state.products[0]!.id;
    for (let i = 0; i < 8; i++) {
      await call(`${pair.woo.url}/__admin/records/product/${product}`, 'PATCH', { name: `Edition ${i}` });
      await call(`${pair.woo.url}/__admin/webhooks/flush`, 'POST', {});
    }
    const hookState = (await call(`${api}/webhooks/${webhook.id}`, 'GET', undefined, wooAuth())) as {
      status: string;
    };
    expect(hookState.status).toBe('disabled');
    await check();
    expect(sent('webhook-disabled:woocommerce', 'firing')).toMatchObject([
      { system: 'woocommerce', count: 1, ids: [String(webhook.id)], topics: ['product.updated'] },
    ]);
    await call(`${api}/webhooks/${webhook.id}`, 'PUT', { status: 'active' }, wooAuth());
    await check();
    expect(sent('webhook-disabled:woocommerce', 'resolved')).toHaveLength(1);
  });

  it('a conflict waiting for a manual decision alerts with the record id only', async () => {
    const po = (await call(`${pair.po.adminUrl}/state`, 'GET')) as {
      customers: Array<{ Id: number; ExternalImportReference?: string }>;
    };
    const linked = po.customers.find((c) => /^\d+$/.test(c.ExternalImportReference ?? ''))!;
    const wooId = linked.ExternalImportReference!;
    await call(`${pair.woo.url}/__admin/records/customer/${wooId}`, 'PATCH', { first_name: 'Wooside' });
    const runtime = createRuntime({ logger: createLogger({ level: 'silent' }) });
    const connector: Connector = await connectors.get('poweroffice-go')!.create(
      {
        connector: 'poweroffice-go',
        url: pair.po.url,
        application_key: pair.po.applicationKey,
        client_key: pair.po.clientKey,
        subscription_key: pair.po.subscriptionKey,
      },
      runtime,
    );
    try {
      await connector.update('customer', String(linked.Id), [
        { op: 'replace', path: '/FirstName', value: 'Poside' },
      ]);
    } finally {
      await connector.close();
    }
    await run('customer-person');
    await check();
    expect(sent('manual-conflict:customer-person', 'firing')).toMatchObject([
      { mapping: 'customer-person', count: 1, ids: [`customer-person:${wooId}`] },
    ]);
  });

  it('no message carries personal data, and no log line a channel secret', async () => {
    expect(hookDeliveries().length).toBeGreaterThanOrEqual(8);
    const messages = [
      ...hook.received.map((d) => d.body),
      ...(await smtp.mails()).map((m) => `${m.subject}\n${m.text}`),
    ];
    for (const message of messages) for (const value of PERSONAL) expect(message).not.toContain(value);
    // The records themselves did carry it (so the check above could fail).
    // The service's own views are value-free, so read the store as `mapsync failed` does.
    const opened = await openProject({
      configPath: join(pair.dir, 'serve.yaml'),
      env: pair.env,
      cwd: pair.dir,
      registry: connectors,
      connect: false,
    });
    try {
      const failed = await failedRecords(opened.store, opened.engine.order, 'customer-person');
      expect(JSON.stringify(failed)).toMatch(/Wooside|Poside/);
    } finally {
      await opened.close();
    }
    const text = logs.join('');
    expect(text).toContain('alerts: delivered');
    for (const secret of [HOOK_SECRET, SMTP.password]) expect(text).not.toContain(secret);
  });
});
