/**
 * One process's end of the shared rate budgets (docs/fleet.md, "The shared rate budget").
 * Every request that needs budget becomes a ticket in Redis; the scripts of scripts.ts decide
 * centrally who goes next (priority, then round robin over tenants) and when (never more
 * than `limit` starts in any window of `interval + margin`). This side only waits:
 *
 * - a ticket granted while this process called Redis comes back in the answer and starts at
 *   once; one granted by another process's call is announced on this process's channel and
 *   claimed (started) here; a periodic tick renews this process's lease, catches
 *   announcements missed while the subscriber reconnected, and wakes when a slot frees;
 * - a granted request runs its last checks (the write guard), then is sent: its slot's time
 *   in the window becomes the moment it is sent (SENT), so the window holds sends and the
 *   `margin` covers only the way from here to the server. A request not sent within half a
 *   window (`sendWithin`) of the call that granted it (local clock: skew between machines
 *   does not matter) gives its slot back unused and queues again;
 * - fail closed: while Redis cannot be reached nothing starts; callers retry with backoff
 *   and fail (`BUDGET_UNAVAILABLE`, nothing sent) after `unavailableTimeoutMs`;
 * - a process that dies leaks nothing for long: its queued tickets are dropped once its
 *   lease ends (`leaseMs`), slots granted to it are given back after `claimTimeoutMs`.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConnectorError } from '../../connectors/errors.ts';
import { BUDGET_UNAVAILABLE, PRIORITIES, type Priority } from '../../connectors/http/limiter.ts';
import type { WorkContext } from '../work-context.ts';
import type { Budget, BudgetHub, Grant, Outcome, Waiter } from './budget.ts';
import { FleetLimiterRegistry } from './fleet-limiter.ts';
import { CANCEL, CLAIM, ENQUEUE, PAUSE, SENT, TICK } from './scripts.ts';

export interface RateBudgetOptions {
  /** `redis://host:port/db` (the fleet's Redis; docs/fleet.md). */
  redis: string;
  /** Prefix of every key and channel (default `mapsync:`); tests use one of their own. */
  prefix?: string;
  /** Where the priority of the work running now comes from. */
  work: WorkContext;
  logger?: Logger;
  /** How long Redis keeps a silent process's tickets (default 3000 ms). */
  leaseMs?: number;
  /** Longest pause between two looks at Redis while waiting (default 250 ms). */
  pollMs?: number;
  /** How long a slot granted to this process stays reserved for it (default 500 ms). */
  claimTimeoutMs?: number;
  /** How long a caller waits for an unreachable Redis before failing (default 30 s). */
  unavailableTimeoutMs?: number;
  /**
   * The least margin every budget of this process gets (default 0: the connector's own,
   * 50 ms): raise it when the way to the server varies more than half of that (a loaded
   * machine, a long network path), at the cost of throughput (docs/fleet.md).
   */
  marginMs?: number;
}

/** What happened to requests of this process, for tests, the bench and metrics. */
export interface BudgetStats {
  started: number;
  /** Slots given back because this process could not send their request within `sendWithin`. */
  late: number;
  /** Tickets queued again (slot lost, Redis forgot the ticket, or late). */
  requeued: number;
  /** Calls to Redis that failed. */
  redisErrors: number;
}

type ScriptResult = [string, string, string[], string[]?, string[]?];
/** A granted request is sent within this share of the window after the call that got its
 * slot, or not at all: until SENT lands its slot counts from the grant, so it must land within. */
const SEND_WITHIN_SHARE = 0.5;
type Scripts = Redis & {
  rbEnqueue(...args: Array<string | number>): Promise<ScriptResult>;
  rbTick(...args: Array<string | number>): Promise<ScriptResult>;
  rbClaim(...args: Array<string | number>): Promise<string[]>;
  rbCancel(...args: Array<string | number>): Promise<number>;
  rbPause(...args: Array<string | number>): Promise<number>;
  rbSent(...args: Array<string | number>): Promise<number>;
};

export class RateBudgetHub implements BudgetHub {
  readonly owner = randomUUID();
  readonly stats: BudgetStats = { started: 0, late: 0, requeued: 0, redisErrors: 0 };
  readonly work: WorkContext;
  private readonly root: string;
  private readonly redis: Scripts;
  private readonly subscriber: Redis;
  private readonly budgets = new Map<string, Budget>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly claimTimeoutMs: number;
  private readonly unavailableTimeoutMs: number;
  private readonly minMarginMs: number;
  private readonly logger: Logger | undefined;
  private closed = false;
  private down = false;

  constructor(options: RateBudgetOptions) {
    this.root = options.prefix ?? 'mapsync:';
    this.work = options.work;
    this.logger = options.logger;
    this.leaseMs = options.leaseMs ?? 3000;
    this.pollMs = options.pollMs ?? 250;
    this.claimTimeoutMs = options.claimTimeoutMs ?? 500;
    this.unavailableTimeoutMs = options.unavailableTimeoutMs ?? 30_000;
    this.minMarginMs = options.marginMs ?? 0;
    const retryStrategy = (attempt: number) => Math.min(50 * attempt, 1000);
    // Commands fail at once while Redis is away (no offline queue): a caller must not be
    // granted anything by a command that waited out an outage.
    this.redis = new Redis(options.redis, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy,
    }) as Scripts;
    for (const [name, lua] of Object.entries({
      rbEnqueue: ENQUEUE,
      rbTick: TICK,
      rbClaim: CLAIM,
      rbCancel: CANCEL,
      rbPause: PAUSE,
      rbSent: SENT,
    })) {
      this.redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
    this.redis.on('error', (error) => this.unreachable(error));
    this.redis.on('ready', () => {
      if (this.down) this.logger?.info('rate budget: Redis is reachable again');
      this.down = false;
    });
    this.subscriber = new Redis(options.redis, { retryStrategy });
    this.subscriber.on('error', () => {});
    this.subscriber.on('message', (_channel: string, message: string) => this.announced(message));
    this.subscriber.subscribe(`${this.root}grants:${this.owner}`).catch(() => {});
  }

  /** The `limiters` of a tenant's Runtime: its requests take turns with every other tenant's. */
  registryFor(tenant: string): FleetLimiterRegistry {
    return new FleetLimiterRegistry(this, tenant);
  }

  /** The budget of `id` (`<system>:<credential hash>`), made on first use with these settings. */
  budget(id: string, settings: { limit: number; intervalMs?: number; marginMs?: number }): Budget {
    let budget = this.budgets.get(`${this.root}rb:{${id}}:`);
    if (!budget) {
      const key = `${this.root}rb:{${id}}:`;
      budget = {
        id,
        key,
        limit: settings.limit,
        intervalMs: settings.intervalMs ?? 1000,
        marginMs: Math.max(settings.marginMs ?? 50, this.minMarginMs),
        inUse: 0,
        waiters: new Map(),
        timerAt: Number.POSITIVE_INFINITY,
      };
      this.budgets.set(key, budget);
    }
    return budget;
  }

  /**
   * Wait until `budget` lets one request of `tenant` start. Resolves at the moment it may
   * start (the caller starts it synchronously); rejects with the signal's reason on abort,
   * or with a `BUDGET_UNAVAILABLE` ConnectorError when Redis stays unreachable.
   */
  async acquire(budget: Budget, tenant: string, priority: Priority, signal?: AbortSignal): Promise<Grant> {
    let unreachableSince: number | undefined;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error('the rate budget is closed');
      signal?.throwIfAborted();
      const [outcome, grant] = await this.ticket(budget, tenant, priority, signal);
      if (outcome === 'started') return grant;
      if (outcome === 'retry') {
        unreachableSince = undefined;
        continue;
      }
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince >= this.unavailableTimeoutMs) {
        throw new ConnectorError(
          `rate budget ${budget.id.split(':')[0]}: Redis unreachable for ${this.unavailableTimeoutMs} ms; request not sent`,
          { system: budget.id.split(':')[0]!, kind: 'transport', vendorCode: BUDGET_UNAVAILABLE },
        );
      }
      await sleep(Math.min(100 * 2 ** Math.min(attempt, 3), 1000), signal);
    }
  }

  sent(budget: Budget, grant: Grant): boolean {
    if (Date.now() - grant.sentAt > this.sendWithin(budget)) {
      this.stats.late++;
      this.unused(budget, grant);
      return false;
    }
    this.redis.rbSent(budget.key, this.root, grant.ticket).catch((error: unknown) => this.failed(error));
    return true;
  }

  unused(budget: Budget, grant: Grant): void {
    this.redis.rbCancel(budget.key, this.root, grant.ticket, 'started').catch(() => {});
  }

  private sendWithin(budget: Budget): number {
    return (budget.intervalMs + budget.marginMs) * SEND_WITHIN_SHARE;
  }

  /** Hold every process back on `budget` for `ms` (a 429 came in). */
  pause(budget: Budget, ms: number): void {
    this.redis.rbPause(budget.key, this.root, Math.ceil(ms)).catch((error: unknown) => {
      this.stats.redisErrors++;
      this.logger?.warn({ err: String(error) }, 'rate budget: could not share a 429 pause through Redis');
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const budget of this.budgets.values()) {
      clearTimeout(budget.timer);
      for (const waiter of [...budget.waiters.values()]) waiter.fail(new Error('the rate budget is closed'));
      budget.waiters.clear();
    }
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  /** One ticket's life: queued in Redis, then started, queued again, or Redis unreachable. */
  private ticket(budget: Budget, tenant: string, priority: Priority, signal?: AbortSignal) {
    const ticket = randomUUID();
    return new Promise<[Outcome, Grant]>((resolve, reject) => {
      const onAbort = () => {
        if (!budget.waiters.delete(ticket)) return;
        this.redis.rbCancel(budget.key, this.root, ticket).catch(() => {});
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        ticket,
        tenant,
        claiming: false,
        settle: (outcome) => {
          if (!budget.waiters.delete(ticket)) return;
          signal?.removeEventListener('abort', onAbort);
          if (outcome === 'started') this.stats.started++;
          if (outcome === 'retry') this.stats.requeued++;
          resolve([outcome, { ticket, sentAt: waiter.sentAt ?? Date.now() }]);
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      budget.waiters.set(ticket, waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      const sentAt = Date.now();
      this.redis
        .rbEnqueue(...this.args(budget), ticket, tenant, String(PRIORITIES.indexOf(priority)))
        .then((result) => this.answered(budget, result, sentAt))
        .catch((error: unknown) => {
          this.failed(error);
          waiter.settle('unavailable');
        });
    });
  }

  private args(budget: Budget): Array<string | number> {
    return [
      budget.key,
      this.root,
      this.owner,
      budget.limit,
      budget.intervalMs + budget.marginMs,
      this.claimTimeoutMs,
      this.leaseMs,
    ];
  }

  /** Start what Redis granted this process, claim what it reserved, re-queue what it forgot. */
  private answered(budget: Budget, result: ScriptResult, sentAt: number): void {
    const [wake, inUse, mine, reserved = [], gone = []] = result;
    budget.inUse = Number(inUse);
    for (const ticket of mine) this.start(budget, ticket, sentAt);
    for (const ticket of reserved) void this.claim(budget, ticket);
    for (const ticket of gone) budget.waiters.get(ticket)?.settle('retry');
    const wakeMs = Number(wake);
    this.scheduleTick(budget, wakeMs >= 0 ? Math.min(Math.ceil(wakeMs), this.pollMs) : this.pollMs);
  }

  /**
   * A slot granted to `ticket` at some moment after `sentAt`: hand it to its caller, or,
   * when this process got to it too late to send within `sendWithin`, give it back unused
   * and queue again (see docs/fleet.md, "Why the window holds").
   */
  private start(budget: Budget, ticket: string, sentAt: number): void {
    const waiter = budget.waiters.get(ticket);
    if (waiter && Date.now() - sentAt <= this.sendWithin(budget)) {
      waiter.sentAt = sentAt;
      waiter.settle('started');
      return;
    }
    // Aborted meanwhile, or late: the slot was never used, so it is given back.
    this.redis.rbCancel(budget.key, this.root, ticket, 'started').catch(() => {});
    if (!waiter) return;
    this.stats.late++;
    waiter.settle('retry');
  }

  private async claim(budget: Budget, ticket: string): Promise<void> {
    const waiter = budget.waiters.get(ticket);
    if (!waiter || waiter.claiming) return;
    waiter.claiming = true;
    const sentAt = Date.now();
    try {
      const [status, value] = await this.redis.rbClaim(
        budget.key,
        this.root,
        this.owner,
        ticket,
        budget.intervalMs + budget.marginMs,
        this.claimTimeoutMs,
      );
      waiter.claiming = false;
      if (status === 'ok') {
        budget.inUse = Number(value);
        this.start(budget, ticket, sentAt);
      } else if (status === 'paused') {
        this.scheduleTick(budget, Math.ceil(Number(value)));
      } else {
        waiter.settle('retry');
      }
    } catch (error) {
      waiter.claiming = false;
      this.failed(error);
      waiter.settle('unavailable');
    }
  }

  /** A grant announced by another process's call: `<budget key>|<ticket>`. */
  private announced(message: string): void {
    const bar = message.lastIndexOf('|');
    const budget = this.budgets.get(message.slice(0, bar));
    if (budget) void this.claim(budget, message.slice(bar + 1));
  }

  private scheduleTick(budget: Budget, delayMs: number): void {
    if (this.closed || budget.waiters.size === 0) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (budget.timer && budget.timerAt <= at) return;
    clearTimeout(budget.timer);
    budget.timerAt = at;
    budget.timer = setTimeout(
      () => {
        budget.timer = undefined;
        budget.timerAt = Number.POSITIVE_INFINITY;
        void this.tick(budget);
      },
      Math.max(0, delayMs),
    );
  }

  private async tick(budget: Budget): Promise<void> {
    const waiting = [...budget.waiters.values()].filter((w) => !w.claiming).map((w) => w.ticket);
    if (waiting.length === 0) return;
    const sentAt = Date.now();
    try {
      this.answered(budget, await this.redis.rbTick(...this.args(budget), ...waiting), sentAt);
    } catch (error) {
      this.failed(error);
      // Redis may come back empty: every waiting ticket queues again once it answers.
      for (const ticket of waiting) budget.waiters.get(ticket)?.settle('unavailable');
    }
  }

  private failed(error: unknown): void {
    this.stats.redisErrors++;
    this.unreachable(error);
  }

  private unreachable(error: unknown): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.logger?.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'rate budget: Redis unreachable; no request is sent until it answers again',
    );
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
