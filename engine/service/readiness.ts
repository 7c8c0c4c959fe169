/**
 * `/readyz`: ready when the store answers, every system's credentials work, and no mapping
 * is stuck. Auth checks cost requests (PowerOffice: from the same 10 req/s budget), so a
 * success is trusted for `authCheckTtlMs` and concurrent probes share one check; a failure
 * is trusted for a few seconds only, so recovery shows quickly. An `auth` error seen by a
 * run marks the system failed at once (see `markAuthFailed`).
 *
 * Stuck = a run in progress that has not finished a record for `stuckAfterMs` (a long
 * backfill that makes progress is not stuck), or no successful run for that long (plus one
 * poll interval) while the mapping is not paused.
 */
import type { ScheduledMapping } from './scheduler.ts';

export interface AuthTarget {
  /** System name in mapsync.yaml. */
  name: string;
  checkAuth(): Promise<void>;
}

export interface ReadinessOptions {
  /** Probe the store (a read); rejects when it is unreachable or closed. */
  probeStore(): Promise<void>;
  systems: readonly AuthTarget[];
  states(): ScheduledMapping[];
  /** When the mapping last finished a record (ms), if known. */
  progressAt?(mapping: string): number | undefined;
  startedAt: Date;
  stuckAfterMs: number;
  authCheckTtlMs: number;
  /** How long a failed auth check is trusted (default 5 s). */
  authFailureTtlMs?: number;
  /** Timeout of each probe (default 5 s). */
  probeTimeoutMs?: number;
  now?: () => number;
}

export interface CheckResult {
  ok: boolean;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  store: CheckResult;
  systems: Record<string, CheckResult & { checkedAt?: string }>;
  mappings: Record<string, CheckResult>;
}

interface AuthCache {
  ok: boolean;
  error?: string;
  at: number;
  inFlight?: Promise<void>;
}

export class Readiness {
  private readonly auth = new Map<string, AuthCache>();
  private readonly now: () => number;

  constructor(private readonly options: ReadinessOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A run saw an auth error for this system: not ready until a check succeeds again. */
  markAuthFailed(system: string, error: string): void {
    this.auth.set(system, { ok: false, error, at: this.now() });
  }

  async report(): Promise<ReadinessReport> {
    const [store, systems] = await Promise.all([this.checkStore(), this.checkSystems()]);
    const mappings = this.checkMappings();
    const ready =
      store.ok && Object.values(systems).every((s) => s.ok) && Object.values(mappings).every((m) => m.ok);
    return { ready, store, systems, mappings };
  }

  private async checkStore(): Promise<CheckResult> {
    try {
      await withTimeout(
        this.options.probeStore(),
        this.options.probeTimeoutMs ?? 5000,
        'store probe timed out',
      );
      return { ok: true };
    } catch (error) {
      return { ok: false, error: messageOf(error) };
    }
  }

  private async checkSystems(): Promise<ReadinessReport['systems']> {
    const out: ReadinessReport['systems'] = {};
    await Promise.all(
      this.options.systems.map(async (system) => {
        const cached = await this.authState(system);
        out[system.name] = {
          ok: cached.ok,
          checkedAt: new Date(cached.at).toISOString(),
          ...(cached.error ? { error: cached.error } : {}),
        };
      }),
    );
    return out;
  }

  private async authState(system: AuthTarget): Promise<AuthCache> {
    const cached = this.auth.get(system.name);
    const ttl = cached?.ok ? this.options.authCheckTtlMs : (this.options.authFailureTtlMs ?? 5000);
    if (cached && !cached.inFlight && this.now() - cached.at < ttl) return cached;
    if (cached?.inFlight) {
      await cached.inFlight;
      return this.auth.get(system.name)!;
    }
    const entry: AuthCache = cached ?? { ok: false, at: 0 };
    entry.inFlight = (async () => {
      try {
        await withTimeout(system.checkAuth(), this.options.probeTimeoutMs ?? 5000, 'auth check timed out');
        this.auth.set(system.name, { ok: true, at: this.now() });
      } catch (error) {
        this.auth.set(system.name, { ok: false, error: messageOf(error), at: this.now() });
      }
    })();
    this.auth.set(system.name, entry);
    await entry.inFlight;
    return this.auth.get(system.name)!;
  }

  private checkMappings(): ReadinessReport['mappings'] {
    const out: ReadinessReport['mappings'] = {};
    const now = this.now();
    const limit = this.options.stuckAfterMs;
    for (const state of this.options.states()) {
      if (state.paused) {
        out[state.name] = { ok: true };
        continue;
      }
      if (state.current) {
        // A long backfill is fine as long as records keep coming through.
        const progress = Math.max(
          state.current.startedAt.getTime(),
          this.options.progressAt?.(state.name) ?? 0,
        );
        if (now - progress > limit) {
          out[state.name] = {
            ok: false,
            error: `${state.current.kind} in progress for ${Math.round((now - state.current.startedAt.getTime()) / 1000)} s, no record done for ${Math.round((now - progress) / 1000)} s`,
          };
          continue;
        }
      }
      const since = (state.lastSuccessAt ?? this.options.startedAt).getTime();
      if (!state.current && now - since > limit + state.pollMs) {
        out[state.name] = {
          ok: false,
          error: `no successful run for ${Math.round((now - since) / 1000)} s${state.lastRun?.error ? `: ${state.lastRun.error}` : ''}`,
        };
        continue;
      }
      out[state.name] = { ok: true };
    }
    return out;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
