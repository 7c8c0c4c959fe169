import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../engine/service/metrics.ts';
import { parsePrometheusText } from './prom-text.ts';

describe('metrics text', () => {
  it('spells NaN as the exposition format does, right after start', async () => {
    // prom-client's event-loop gauges are NaN until the first sample and it prints "Nan".
    const text = await new ServiceMetrics().text();
    expect(text).not.toMatch(/ Nan$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_mean_seconds NaN$/m);
    expect(() => parsePrometheusText(text)).not.toThrow();
  });
});
