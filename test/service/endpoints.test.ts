import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// biome-ignore lint/suspicious/noTsIgnore: the parser ships no types
// @ts-ignore
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import { openStore } from '../../engine/store/open-store.ts';
import {
  buildService,
  delivery,
  FakeEngine,
  fakeClock,
  mapping,
  type TestService,
  waitFor,
} from './fakes.ts';
import { parsePrometheusText, sampleValue } from './prom-text.ts';

const running: TestService[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
// Runs first (after-hooks run last-registered first): a test that failed on the fake clock
// leaves real timers to the stops above and to the next file of a shared worker.
afterEach(() => {
  vi.useRealTimers();
});

async function setup(options: Parameters<typeof buildService>[1] = {}) {
  const engine = new FakeEngine([
    mapping('customers'),
    mapping('orders', {
      source: { system: 'shop', entity: 'order' },
      target: { system: 'accounting', entity: 'salesorder' },
      locksWith: ['customers'],
    }),
  ]);
  const built = await buildService(engine, options);
  running.push(built);
  return built;
}

const ADMIN = 'admin-token-0123456789abcdef';

describe('/metrics', () => {
  it('parses as Prometheus text and carries requests, waits, records, runs, lag and failed counts', async () => {
    const { service, engine } = await setup({ runAtStart: true });
    engine.failed.set('customers', [
      {
        mapping: 'customers',
        side: 'source',
        id: '7',
        reason: 'CONNECTOR_VALIDATION bad e-mail',
        failedAt: new Date().toISOString(),
      },
    ]);
    const telemetry = service.context.metrics;
    telemetry.request({ system: 'poweroffice-go', method: 'GET', status: 200, durationMs: 35 });
    telemetry.request({ system: 'poweroffice-go', method: 'POST', status: 429, durationMs: 5 });
    telemetry.request({ system: 'woocommerce', method: 'GET', status: 'error', durationMs: 5000 });
    telemetry.rateLimitWait({ system: 'poweroffice-go', waitMs: 250 });
    const { headers, payload } = delivery('customer.updated', { id: 1, email: 'a@example.no' });
    await service.app.inject({ method: 'POST', url: '/webhooks/woocommerce', headers, payload });
    // The record's outcome is reported after its sync (a timer later than its start).
    await waitFor(() => engine.itemsDone === 1 && engine.runs.filter((r) => r.finishedAt).length === 2);
    await waitFor(() => service.scheduler.states().every((s) => s.lastRun));

    const response = await service.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    // An independent parser of the line grammar must accept it too.
    expect(() => parsePrometheusTextFormat(response.body)).not.toThrow();
    const families = parsePrometheusText(response.body);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels);

    expect(families.get('mapsync_requests_total')?.type).toBe('counter');
    expect(value('mapsync_requests_total', { system: 'poweroffice-go', method: 'POST', status: '429' })).toBe(
      1,
    );
    expect(value('mapsync_requests_total', { system: 'woocommerce', method: 'GET', status: 'error' })).toBe(
      1,
    );
    expect(value('mapsync_request_duration_seconds_count', { system: 'poweroffice-go', method: 'GET' })).toBe(
      1,
    );
    expect(families.get('mapsync_rate_limit_wait_seconds')?.type).toBe('histogram');
    expect(value('mapsync_rate_limit_wait_seconds_count', { system: 'poweroffice-go' })).toBe(1);
    expect(value('mapsync_rate_limit_wait_seconds_sum', { system: 'poweroffice-go' })).toBe(0.25);
    expect(value('mapsync_records_total', { mapping: 'customers', outcome: 'updated' })).toBe(1);
    expect(families.get('mapsync_run_duration_seconds')?.type).toBe('histogram');
    expect(value('mapsync_run_duration_seconds_count', { mapping: 'orders', mode: 'incremental' })).toBe(1);
    expect(value('mapsync_runs_total', { mapping: 'orders', mode: 'incremental', status: 'ok' })).toBe(1);
    expect(value('mapsync_lag_seconds', { mapping: 'customers' })).toBeLessThan(5);
    expect(value('mapsync_last_success_timestamp_seconds', { mapping: 'customers' })).toBeGreaterThan(1.7e9);
    expect(value('mapsync_failed_records', { mapping: 'customers' })).toBe(1);
    expect(value('mapsync_failed_records', { mapping: 'orders' })).toBe(0);
    expect(value('mapsync_webhooks_total', { system: 'shop', result: 'queued' })).toBe(1);
    expect(value('mapsync_webhook_queue_depth')).toBe(0);
    expect(families.has('process_cpu_seconds_total')).toBe(true);
  });

  it('keeps each service on its own registry', async () => {
    const a = await setup();
    const b = await setup();
    a.service.context.metrics.request({ system: 'x', method: 'GET', status: 200, durationMs: 1 });
    expect(await a.service.context.metrics.text()).toContain('system="x"');
    expect(await b.service.context.metrics.text()).not.toContain('system="x"');
  });
});

describe('/healthz and /readyz', () => {
  it('is alive and ready when the store answers and systems authenticate', async () => {
    const { service } = await setup({
      authTargets: [{ name: 'accounting', checkAuth: async () => {} }],
    });
    expect((await service.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      ready: true,
      store: { ok: true },
      systems: { accounting: { ok: true } },
    });
  });

  it('turns not ready when the store is closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-ready-'));
    dirs.push(dir);
    const store = openStore(`sqlite://${join(dir, 'state.sqlite')}`);
    const probe = store.namespace<string>('mapsync.service');
    const { service } = await setup({ probeStore: async () => void (await probe.get('probe')) });
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await store.close();
    const after = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(after.statusCode).toBe(503);
    expect(after.json()).toMatchObject({ ready: false, store: { ok: false } });
    expect((await service.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('turns not ready, and stays so, when the store file is deleted under the service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-ready-'));
    dirs.push(dir);
    const file = join(dir, 'state.sqlite');
    const store = openStore(`sqlite://${file}`);
    const probe = store.namespace<string>('mapsync.service');
    const { service } = await setup({ probeStore: async () => void (await probe.get('probe')) });
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    const after = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(after.statusCode).toBe(503);
    expect(after.json()).toMatchObject({
      ready: false,
      store: {
        ok: false,
        error: expect.stringMatching(/store file .* was deleted while mapsync had it open/),
      },
    });
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    await store.close();
  });

  it('turns not ready when a system refuses its credentials, and caches successful checks', async () => {
    let calls = 0;
    let refuse = false;
    const { service } = await setup({
      settings: { authCheckTtlMs: 0 },
      authTargets: [
        {
          name: 'accounting',
          checkAuth: async () => {
            calls++;
            if (refuse)
              throw new ConnectorError('poweroffice-go: POST /OAuth/Token returned 401', {
                system: 'poweroffice-go',
                kind: 'auth',
                status: 401,
              });
          },
        },
      ],
    });
    expect((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    refuse = true;
    const response = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().systems.accounting).toMatchObject({
      ok: false,
      error: expect.stringContaining('401'),
    });
    expect(calls).toBe(2);
  });

  it('turns not ready when a mapping is stuck in a run', async () => {
    // On a fake clock: with real timers, a machine stalled for the run's 5 s would end the
    // run before /readyz is asked, and the test would pass or fail by luck.
    const clock = fakeClock();
    const { service, engine } = await setup({ runAtStart: true, settings: { stuckAfterMs: 100 } });
    engine.runDelayMs = 5_000;
    await clock.pass(1);
    expect(engine.runs).toHaveLength(1);
    await clock.pass(150);
    const response = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().mappings.customers).toMatchObject({ ok: false });
    vi.useRealTimers();
  });

  it('stays ready during a long run that keeps finishing records', async () => {
    // On a fake clock: a starved event loop must not space the progress ticks past the limit.
    const clock = fakeClock();
    const { service, engine } = await setup({ runAtStart: true, settings: { stuckAfterMs: 150 } });
    engine.runDelayMs = 5_000;
    engine.runProgressMs = 30;
    await clock.pass(1);
    expect(engine.runs).toHaveLength(1);
    await clock.pass(300);
    const response = await service.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.json().mappings.customers).toEqual({ ok: true });
    vi.useRealTimers();
  });
});

describe('admin endpoints', () => {
  it('refuses state changes with 403 when no admin token is configured', async () => {
    const { service } = await setup();
    const response = await service.app.inject({ method: 'POST', url: '/api/mappings/customers/pause' });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toContain('MAPSYNC_ADMIN_TOKEN');
    expect(service.scheduler.state('customers').paused).toBe(false);
    const status = await service.app.inject({ method: 'GET', url: '/api/status' });
    expect(status.json().service.adminEnabled).toBe(false);
  });

  it('requires the right bearer token', async () => {
    const { service, engine, logs } = await setup({ adminToken: ADMIN });
    engine.failed.set('customers', [
      {
        mapping: 'customers',
        side: 'source',
        id: '7',
        reason: 'bad e-mail',
        failedAt: new Date().toISOString(),
      },
      {
        mapping: 'customers',
        side: 'source',
        id: '8',
        reason: 'bad e-mail',
        failedAt: new Date().toISOString(),
      },
    ]);
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${ADMIN}`, `Bearer ${ADMIN}x`]) {
      const response = await service.app.inject({
        method: 'POST',
        url: '/api/mappings/customers/retry',
        headers: authorization ? { authorization } : {},
        payload: { id: '7' },
      });
      expect(response.statusCode).toBe(401);
    }
    expect(engine.retries).toHaveLength(0);
    const ok = await service.app.inject({
      method: 'POST',
      url: '/api/mappings/customers/retry',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { id: '7' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ retried: 1, succeeded: 1 });
    expect(engine.retries).toEqual([{ mapping: 'customers', id: '7' }]);
    const status = (await service.app.inject({ method: 'GET', url: '/api/status' })).json();
    expect(status.mappings.find((m: { name: string }) => m.name === 'customers').failed.count).toBe(1);

    const pause = await service.app.inject({
      method: 'POST',
      url: '/api/mappings/orders/pause',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(pause.statusCode).toBe(200);
    expect(service.scheduler.state('orders').paused).toBe(true);
    const missing = await service.app.inject({
      method: 'POST',
      url: '/api/mappings/nope/resume',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(missing.statusCode).toBe(404);
    expect(logs.join('')).not.toContain(ADMIN);
  });
});

describe('status page', () => {
  it('serves the page, its script and uPlot from node_modules with a strict CSP', async () => {
    const { service } = await setup();
    const page = await service.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    for (const file of [
      'app.js',
      'charts.js',
      'base.css',
      'style.css',
      'vendor/uPlot.esm.js',
      'vendor/uPlot.min.css',
    ]) {
      const response = await service.app.inject({ method: 'GET', url: `/ui/${file}` });
      expect(response.statusCode, file).toBe(200);
    }
    expect((await service.app.inject({ method: 'GET', url: '/ui/../settings.ts' })).statusCode).toBe(404);
  });

  it('reports mappings, the feed and the series as JSON', async () => {
    const { service, engine } = await setup();
    engine.links.set('customers', 12);
    engine.actions.set('orders', [
      { name: 'invoice', records: 12, made: 12 },
      { name: 'credit-note', records: 4, made: 5 },
    ]);
    const { headers, payload } = delivery('customer.updated', { id: 4, email: 'd@example.no' });
    await service.app.inject({ method: 'POST', url: '/webhooks/woocommerce', headers, payload });
    await waitFor(() => engine.itemsDone === 1);
    const status = (await service.app.inject({ method: 'GET', url: '/api/status' })).json();
    expect(status.mappings.map((m: { name: string }) => m.name)).toEqual(['customers', 'orders']);
    expect(status.mappings[0]).toMatchObject({ linked: 12, pending: 0, failed: { count: 0 } });
    expect(status.mappings[0].actions).toBeUndefined();
    // Per action: orders it is done for, and operations made (a credit note per refund).
    expect(status.mappings[1].actions).toEqual([
      { name: 'invoice', records: 12, made: 12 },
      { name: 'credit-note', records: 4, made: 5 },
    ]);
    expect(status.feed[0]).toMatchObject({
      mapping: 'customers',
      id: '4',
      outcome: 'updated',
      properties: ['EmailAddress'],
    });
    expect(status.series.records.outcomes.updated.at(-1)).toBe(1);
  });
});
