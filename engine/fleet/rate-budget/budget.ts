/**
 * A budget as the fleet's limiters see it, and what they ask of the hub that keeps it
 * (hub.ts): types only, so the limiters (fleet-limiter.ts) and the hub that creates them
 * do not name each other's module.
 */
import type { Priority } from '../../connectors/http/limiter.ts';

/** One budget (system + credential) as this process sees it. */
export interface Budget {
  readonly id: string;
  /** Redis key prefix of the budget. */
  readonly key: string;
  readonly limit: number;
  readonly intervalMs: number;
  readonly marginMs: number;
  inUse: number;
  waiters: Map<string, Waiter>;
  timer?: NodeJS.Timeout;
  timerAt: number;
}

export type Outcome = 'started' | 'retry' | 'unavailable';

/** A slot this process may use: its ticket, and when the call that got it was sent (local clock). */
export interface Grant {
  ticket: string;
  sentAt: number;
}

export interface Waiter {
  ticket: string;
  tenant: string;
  claiming: boolean;
  /** Local time the call to Redis that granted or claimed its slot was sent. */
  sentAt?: number;
  settle(outcome: Outcome): void;
  fail(error: unknown): void;
}

/** What a fleet limiter asks of the rate budget hub (hub.ts implements it). */
export interface BudgetHub {
  readonly work: { priority(): Priority };
  acquire(budget: Budget, tenant: string, priority: Priority, signal?: AbortSignal): Promise<Grant>;
  /**
   * The granted request is leaving now: true when it may (its slot's time in the window
   * becomes now); false when it is too late and must not be sent (the slot was given back).
   */
  sent(budget: Budget, grant: Grant): boolean;
  /** The granted request will not be sent (its last checks refused it): give the slot back. */
  unused(budget: Budget, grant: Grant): void;
  pause(budget: Budget, ms: number): void;
  budget(id: string, settings: { limit: number; intervalMs?: number; marginMs?: number }): Budget;
}
