/**
 * The service answers only requests addressed to it (issue 9 item 7): a DNS-rebinding page
 * (`Host: attacker.example`, resolving to 127.0.0.1) gets 421 on every route — health, the
 * status API, the status page, webhooks —, while IP addresses, localhost, the listen
 * address and the names in `service.hosts` are answered. The unauthenticated status API
 * carries no values: failed records are listed without their details or request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineAdapter } from '../../engine/service/engine-adapter.ts';
import { hostAllowed, hostName } from '../../engine/service/host-check.ts';
import { resolveSettings } from '../../engine/service/settings.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { customerMapping, makeEngine } from '../sync/helpers/setup.ts';
import { buildService, delivery, FakeEngine, mapping, type TestService } from './fakes.ts';

const running: TestService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function setup(hosts: string[] = []) {
  const built = await buildService(new FakeEngine([mapping('customers')]), { settings: { hosts } });
  running.push(built);
  return built;
}

describe('Host check (DNS rebinding)', () => {
  it('refuses a foreign host name on every route, before the route runs', async () => {
    const { service, logs } = await setup();
    const { headers, payload } = delivery('customer.updated', { id: 7 });
    for (const [method, url] of [
      ['GET', '/healthz'],
      ['GET', '/readyz'],
      ['GET', '/api/status'],
      ['GET', '/'],
      ['GET', '/metrics'],
      ['POST', '/webhooks/woocommerce'],
      ['POST', '/api/mappings/customers/retry'],
    ] as const) {
      const response = await service.app.inject({
        method,
        url,
        headers: { ...(method === 'POST' ? headers : {}), host: 'attacker.example:8080' },
        ...(method === 'POST' ? { payload } : {}),
      });
      expect(response.statusCode, url).toBe(421);
      expect(response.body).not.toContain('attacker');
    }
    expect(service.queue.size('customers')).toBe(0);
    // One log line per refused name, not per request.
    expect(logs.filter((l) => l.includes('request refused')).length).toBe(1);
  });

  it('answers IP addresses, localhost, and the names in service.hosts', async () => {
    const { service } = await setup(['sync.example.no']);
    for (const host of [
      '127.0.0.1:8080',
      '10.1.2.3',
      '[::1]:8080',
      'localhost:8080',
      'LOCALHOST.',
      'sync.example.no',
      'Sync.Example.NO:443',
    ]) {
      const response = await service.app.inject({ method: 'GET', url: '/healthz', headers: { host } });
      expect(response.statusCode, host).toBe(200);
    }
    for (const host of ['sync.example.no.attacker.example', 'localhost.attacker.example', 'example']) {
      const response = await service.app.inject({ method: 'GET', url: '/healthz', headers: { host } });
      expect(response.statusCode, host).toBe(421);
    }
  });

  it('reads the host name from a Host header', () => {
    expect(hostName('[::1]:80')).toBe('::1');
    expect(hostName('Example.COM.:80')).toBe('example.com');
    expect(hostName(undefined)).toBeUndefined();
    expect(hostAllowed(undefined, new Set())).toBe(false);
  });

  it('reads service.hosts from mapsync.yaml', () => {
    expect(resolveSettings({ hosts: ['Sync.Example.no.'] }).hosts).toEqual(['sync.example.no']);
    expect(resolveSettings({}).hosts).toEqual([]);
  });
});

describe('what the unauthenticated status API carries', () => {
  it('failed records without details, request or candidates (values stay with `mapsync failed`)', async () => {
    const store = openStore('memory://');
    const mappings = [customerMapping()];
    const { engine } = makeEngine(mappings, { store });
    await new MappingState('customer', store).setFailed({
      mapping: 'customer',
      side: 'source',
      id: '7',
      code: 'CONFLICT',
      kind: 'conflict',
      reason: 'changed on both sides to different values (conflict: manual): EmailAddress',
      request: { method: 'PATCH', path: '/x', body: { EmailAddress: 'kari@example.no' } },
      candidates: ['1', '2'],
      details: [{ path: 'EmailAddress', source: 'kari@example.no', target: 'kari@example.com' }],
      firstAt: '2026-01-01T00:00:00.000Z',
      at: '2026-01-01T00:00:00.000Z',
      attempts: 1,
      nextAttemptAt: '2026-01-01T00:01:00.000Z',
    });
    const adapter = engineAdapter({ engine, mappings, store, systemKinds: {} });
    const views = await adapter.failedRecords('customer');
    expect(views).toEqual([
      {
        mapping: 'customer',
        side: 'source',
        id: '7',
        code: 'CONFLICT',
        reason: 'changed on both sides to different values (conflict: manual): EmailAddress',
        failedAt: '2026-01-01T00:00:00.000Z',
        firstFailedAt: '2026-01-01T00:00:00.000Z',
        attempts: 1,
        nextRetryAt: '2026-01-01T00:01:00.000Z',
      },
    ]);
    expect(JSON.stringify(views)).not.toContain('kari');
  });
});
