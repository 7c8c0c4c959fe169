/**
 * The shared rate budget behind the connectors' limiter contract (engine/connectors/http/
 * limiter.ts): a tenant's Runtime gets `hub.registryFor(tenant)` as its `limiters`, and
 * its connectors ask it for their credential's limiter exactly as they ask the in-process
 * registry. Tenants whose credentials are the same key (a PowerOffice subscription key)
 * share one budget; each key has its own.
 */
import { createHash } from 'node:crypto';
import type { LimiterRegistry, RateLimitOptions, RequestLimiter } from '../../connectors/http/limiter.ts';
import type { Budget, BudgetHub } from './budget.ts';

export class FleetLimiter implements RequestLimiter {
  private waiting = 0;

  constructor(
    private readonly hub: BudgetHub,
    private readonly budget: Budget,
    readonly tenant: string,
  ) {}

  get limit(): number {
    return this.budget.limit;
  }

  get intervalMs(): number {
    return this.budget.intervalMs;
  }

  /**
   * Runs `fn` — the request's last checks — once a slot is granted, and takes the request as
   * sent when `fn` resolves: the slot's time in the shared window becomes that moment, so
   * whatever `fn` waited for (the write guard's look at Redis) does not count against the gap
   * to the next window. A request whose checks ended too late after the grant is not sent:
   * `fn` runs again with the next slot.
   */
  async schedule<T>(
    fn: () => Promise<T>,
    onWait?: (waitedMs: number) => void,
    signal?: AbortSignal,
  ): Promise<T> {
    signal?.throwIfAborted();
    const queuedAt = Date.now();
    this.waiting++;
    try {
      for (;;) {
        const grant = await this.hub.acquire(this.budget, this.tenant, this.hub.work.priority(), signal);
        let result: T;
        try {
          result = await fn();
        } catch (error) {
          this.hub.unused(this.budget, grant);
          throw error;
        }
        if (!this.hub.sent(this.budget, grant)) continue;
        const waited = Date.now() - queuedAt;
        if (waited > 0) onWait?.(waited);
        return result;
      }
    } finally {
      this.waiting--;
    }
  }

  pause(ms: number): void {
    this.hub.pause(this.budget, ms);
  }

  inUse(): number {
    return this.budget.inUse;
  }

  queued(): number {
    return this.waiting;
  }
}

export class FleetLimiterRegistry implements LimiterRegistry {
  private readonly limiters = new Map<string, FleetLimiter>();

  constructor(
    private readonly hub: BudgetHub,
    readonly tenant: string,
  ) {}

  forCredential(system: string, credential: string, options: RateLimitOptions): FleetLimiter {
    // The credential itself is never kept or sent to Redis: its hash names the budget.
    const id = `${system}:${createHash('sha256').update(credential).digest('hex').slice(0, 16)}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new FleetLimiter(this.hub, this.hub.budget(id, options), this.tenant);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  entries(): Array<{ system: string; limiter: RequestLimiter }> {
    return [...this.limiters].map(([id, limiter]) => ({ system: id.split(':')[0]!, limiter }));
  }
}
