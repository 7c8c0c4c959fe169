/**
 * The dispatcher on its own, with a scripted channel and a fake clock: the rate limit turns
 * a burst into one digest (nothing dropped), retries only what may succeed later, a failing
 * channel does not hold up another, and stop() delivers what the limit still holds.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Channel, DeliveryError } from '../../engine/alerts/channels/channel.ts';
import type { Alert } from '../../engine/alerts/conditions.ts';
import { Dispatcher } from '../../engine/alerts/dispatcher.ts';
import type { AlertMessage } from '../../engine/alerts/message.ts';
import { createLogger } from '../../engine/observability/logger.ts';

const logger = createLogger({ level: 'silent' });

const alert = (key: string, status: Alert['status'] = 'firing'): Alert => ({
  key,
  kind: 'failed-records',
  mapping: key,
  count: 3,
  status,
  since: '2026-01-01T00:00:00.000Z',
  summary: `mapping "${key}": 3 failed records`,
});

function channel(
  name: string,
  answers: Array<Error | undefined> = [],
): Channel & { messages: AlertMessage[] } {
  const messages: AlertMessage[] = [];
  return {
    name,
    type: 'test',
    messages,
    async send(message) {
      messages.push(message);
      const answer = answers.shift();
      if (answer) throw answer;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the alert dispatcher', () => {
  it('waits for the status page address, then sends', async () => {
    const c = channel('a');
    const d = new Dispatcher({ service: 's', channels: [c], rateLimit: { max: 5, perMs: 60_000 }, logger });
    d.submit([alert('x')]);
    await d.idle();
    expect(c.messages).toHaveLength(0);
    d.setStatusUrl('http://127.0.0.1:1/');
    await d.idle();
    expect(c.messages.map((m) => [m.statusUrl, m.alerts.map((a) => a.key)])).toEqual([
      ['http://127.0.0.1:1/', ['x']],
    ]);
  });

  it('over the rate limit, alerts wait and go out as one digest when the window allows', async () => {
    const c = channel('a');
    const d = new Dispatcher({ service: 's', channels: [c], rateLimit: { max: 2, perMs: 60_000 }, logger });
    d.setStatusUrl('http://127.0.0.1:1/');
    for (const key of ['a', 'b', 'c', 'd', 'e']) d.submit([alert(key)]);
    d.submit([alert('c', 'resolved')]);
    await d.idle();
    expect(c.messages.map((m) => m.alerts.map((a) => a.key))).toEqual([['a'], ['b']]);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(c.messages).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    await d.idle();
    expect(c.messages.map((m) => m.alerts.map((a) => `${a.key}:${a.status}`))).toEqual([
      ['a:firing'],
      ['b:firing'],
      ['c:firing', 'd:firing', 'e:firing', 'c:resolved'],
    ]);
  });

  it('retries what may succeed later, gives up on a refusal, and never blocks another channel', async () => {
    const flaky = channel('flaky', [new DeliveryError('503', true), new DeliveryError('503', true)]);
    const refused = channel('refused', [new DeliveryError('404', false)]);
    const fine = channel('fine');
    const d = new Dispatcher({
      service: 's',
      channels: [flaky, refused, fine],
      rateLimit: { max: 5, perMs: 60_000 },
      logger,
      retryDelaysMs: [100, 200],
    });
    d.setStatusUrl('http://127.0.0.1:1/');
    d.submit([alert('x')]);
    await vi.advanceTimersByTimeAsync(0);
    expect([flaky.messages.length, refused.messages.length, fine.messages.length]).toEqual([1, 1, 1]);
    await vi.advanceTimersByTimeAsync(300);
    await d.idle();
    expect([flaky.messages.length, refused.messages.length, fine.messages.length]).toEqual([3, 1, 1]);
  });

  it('stop() delivers what the rate limit still holds', async () => {
    const c = channel('a');
    const d = new Dispatcher({
      service: 's',
      channels: [c],
      rateLimit: { max: 1, perMs: 3_600_000 },
      logger,
    });
    d.setStatusUrl('http://127.0.0.1:1/');
    d.submit([alert('a')]);
    d.submit([alert('b')]);
    await d.idle();
    expect(c.messages).toHaveLength(1);
    await d.stop();
    expect(c.messages.map((m) => m.alerts.map((a) => a.key))).toEqual([['a'], ['b']]);
  });
});
