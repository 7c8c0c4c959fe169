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

export interface Waiter {
  ticket: string;
  tenant: string;
  claiming: boolean;
  settle(outcome: Outcome): void;
  fail(error: unknown): void;
}

/** What a fleet limiter asks of the rate budget hub (hub.ts implements it). */
export interface BudgetHub {
  readonly work: { priority(): Priority };
  acquire(budget: Budget, tenant: string, priority: Priority, signal?: AbortSignal): Promise<void>;
  pause(budget: Budget, ms: number): void;
  budget(id: string, settings: { limit: number; intervalMs?: number; marginMs?: number }): Budget;
}
