/**
 * Delivers alerts to every channel, each on its own: a slow or failing channel never holds
 * up another. Per channel at most `max` messages per `per` window; alerts beyond it wait and
 * go out together as one digest when the window allows (nothing is dropped, and a burst of
 * alerts becomes one message). A failed delivery is retried twice (after 2 s and 10 s) when
 * it may succeed later (network, timeout, 429, 5xx, SMTP 4xx), then logged and given up.
 * Logs name the channel and the outcome only: never the address, a secret or an alert's text.
 */
import type { Logger } from 'pino';
import type { Channel } from './channels/channel.ts';
import { DeliveryError } from './channels/channel.ts';
import type { Alert } from './conditions.ts';
import type { AlertMessage } from './message.ts';

export interface DispatcherOptions {
  service: string;
  channels: readonly Channel[];
  rateLimit: { max: number; perMs: number };
  logger: Logger;
  /** Waits before the 2nd and 3rd attempt (default 2 s, 10 s). */
  retryDelaysMs?: readonly number[];
  now?: () => Date;
}

export class Dispatcher {
  private readonly queues: ChannelQueue[];
  private statusUrl = '';

  constructor(options: DispatcherOptions) {
    this.queues = options.channels.map((channel) => new ChannelQueue(channel, options, () => this.statusUrl));
  }

  /** Alerts wait until the status page's address is known (the service is listening). */
  setStatusUrl(url: string): void {
    this.statusUrl = url;
    for (const queue of this.queues) queue.submit([]);
  }

  submit(alerts: readonly Alert[]): void {
    for (const queue of this.queues) queue.submit(alerts);
  }

  /** Resolves when nothing is being sent (tests; shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.idle()));
  }

  /** Send what the rate limit still holds (shutdown wins over the limit), then close. */
  async stop(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.stop()));
  }
}

class ChannelQueue {
  private readonly sent: number[] = [];
  private held: Alert[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly channel: Channel,
    private readonly options: DispatcherOptions,
    private readonly statusUrl: () => string,
  ) {}

  private now(): number {
    return (this.options.now?.() ?? new Date()).getTime();
  }

  submit(alerts: readonly Alert[]): void {
    this.held.push(...alerts);
    this.flush();
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    if (this.held.length > 0) this.send(this.held.splice(0));
    await this.idle();
    await this.channel.close?.();
  }

  private flush(): void {
    if (this.held.length === 0 || this.timer || this.statusUrl() === '') return;
    const { max, perMs } = this.options.rateLimit;
    const now = this.now();
    while (this.sent.length > 0 && this.sent[0]! <= now - perMs) this.sent.shift();
    if (this.sent.length < max) {
      this.send(this.held.splice(0));
      return;
    }
    const wait = this.sent[0]! + perMs - now;
    this.options.logger.info(
      { channel: this.channel.name, held: this.held.length, waitMs: wait },
      'alerts: rate limit reached; held alerts go out as one digest',
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    this.timer.unref();
  }

  private send(alerts: Alert[]): void {
    this.sent.push(this.now());
    const message: AlertMessage = {
      service: this.options.service,
      statusUrl: this.statusUrl(),
      alerts,
      sentAt: new Date(this.now()).toISOString(),
    };
    const job = this.deliver(message).finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
  }

  private async deliver(message: AlertMessage): Promise<void> {
    const delays = this.options.retryDelaysMs ?? [2000, 10_000];
    const log = { channel: this.channel.name, type: this.channel.type, alerts: message.alerts.length };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.channel.send(message);
        this.options.logger.info({ ...log, attempt: attempt + 1 }, 'alerts: delivered');
        return;
      } catch (error) {
        const retryable = error instanceof DeliveryError ? error.retryable : true;
        const reason = error instanceof Error ? error.message : String(error);
        if (!retryable || attempt >= delays.length || this.stopping.signal.aborted) {
          this.options.logger.error(
            { ...log, attempt: attempt + 1, reason },
            'alerts: delivery failed; given up',
          );
          return;
        }
        this.options.logger.warn(
          { ...log, attempt: attempt + 1, reason },
          'alerts: delivery failed; retrying',
        );
        await wait(delays[attempt]!, this.stopping.signal);
        if (this.stopping.signal.aborted) {
          this.options.logger.error(
            { ...log, attempt: attempt + 1, reason },
            'alerts: delivery failed; given up at shutdown',
          );
          return;
        }
      }
    }
  }
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
