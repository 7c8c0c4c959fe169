/**
 * A fleet process's metrics (engine/fleet/observe/fleet-metrics.ts): counters carry the
 * tenant, the duration histograms do not (a histogram per tenant is a dozen series per label
 * set, so a worker that had served 500 tenants exported some 40,000 series, and rendering
 * them for each scrape was most of what it allocated: docs/fleet.md, "Worker memory against
 * tenants"). A tenant's time is a counter of seconds beside its count.
 */
import { describe, expect, it } from 'vitest';
import { FleetMetrics } from '../../engine/fleet/observe/fleet-metrics.ts';

/** Sample lines (no comments) of the exposition, by metric name without its suffix. */
function linesByName(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = line.split(/[{ ]/)[0]!.replace(/_(bucket|sum|count)$/, '');
    out.set(name, [...(out.get(name) ?? []), line]);
  }
  return out;
}

function serve(metrics: FleetMetrics, tenant: string): void {
  const telemetry = metrics.telemetryFor(tenant);
  for (const [system, method, status] of [
    ['woocommerce', 'GET', 200],
    ['poweroffice-go', 'GET', 200],
    ['poweroffice-go', 'POST', 201],
  ] as const) {
    telemetry.request({ system, method, status, durationMs: 250 });
    telemetry.rateLimitWait({ system, waitMs: 100 });
  }
  metrics.record(tenant, { mapping: 'customer-person', outcome: 'created' } as never);
  metrics.job(tenant, 'poll', 'done', 1500);
}

describe('fleet metrics', () => {
  it("keeps each tenant's counts and seconds, and durations as histograms without a tenant", async () => {
    const metrics = new FleetMetrics({ defaultMetrics: false });
    serve(metrics, 'shop-1');
    serve(metrics, 'shop-2');
    const text = await metrics.text();
    expect(text).toContain(
      'mapsync_tenant_request_seconds_total{tenant="shop-1",system="poweroffice-go"} 0.5',
    );
    expect(text).toContain(
      'mapsync_tenant_rate_limit_wait_seconds_total{tenant="shop-2",system="woocommerce"} 0.1',
    );
    expect(text).toContain('mapsync_tenant_job_seconds_total{tenant="shop-1",kind="poll"} 1.5');
    expect(text).toContain(
      'mapsync_requests_total{tenant="shop-2",system="poweroffice-go",method="POST",status="201"} 1',
    );
    expect(text).toContain('mapsync_request_duration_seconds_count{system="poweroffice-go",method="GET"} 2');
    expect(text).toContain('mapsync_rate_limit_wait_seconds_sum{system="woocommerce"} 0.2');
    expect(text).toContain('mapsync_job_duration_seconds_count{kind="poll"} 2');
    for (const name of [
      'mapsync_request_duration_seconds',
      'mapsync_rate_limit_wait_seconds',
      'mapsync_job_duration_seconds',
    ])
      for (const line of linesByName(text).get(name) ?? []) expect(line).not.toContain('tenant=');
  });

  it('grows by about ten series per tenant served, not by histogram buckets', async () => {
    const metrics = new FleetMetrics({ defaultMetrics: false });
    serve(metrics, 'shop-0');
    const one = (await metrics.text()).split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    for (let i = 1; i < 500; i++) serve(metrics, `shop-${i}`);
    const text = await metrics.text();
    const all = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    // 3 request counts, 2 systems' request and wait seconds, a record, a job and its seconds.
    expect((all - one) / 499).toBe(10);
    expect(text.length).toBeLessThan(1_000_000);
  });
});
