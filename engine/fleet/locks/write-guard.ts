/**
 * The last check before a write leaves a worker (docs/fleet.md, "Jobs, locks and fencing").
 * Fenced store writes keep a holder that lost its locks from overwriting the store, but not
 * from sending a write to a shop or to PowerOffice: a worker paused past its lock's ttl
 * (GC, a stalled VM), or one whose locks vanished with a Redis restart, would still send
 * the edit it prepared — after the new holder wrote a newer one. That is how an older value
 * can win in a system while the link says the pair is in sync.
 *
 * So every write (`runtime.beforeWrite`, called by the HTTP client after the rate limiter's
 * wait, right before the request is sent) asks Redis, in one Lua script, whether every lock
 * of the running job still holds this job's fencing token — and renews them all to a full
 * ttl in the same step, so the lock outlives the request it lets go. If one does not, the
 * write is cancelled (never sent) and the job is run again (it takes the locks anew). Redis
 * not answering cancels the write too: fail closed, as the rate budget does.
 */
import { Redis } from 'ioredis';
import type { WriteAttempt } from '../../runtime.ts';
import type { Fence } from '../../store/fencing.ts';
import type { WorkContext } from '../work-context.ts';

/**
 * KEYS: the locks. ARGV: ttl ms, then each lock's token. Returns 0 when every lock holds its
 * token (all renewed to the ttl), else the 1-based index of the first that does not.
 */
const CHECK = `
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) ~= ARGV[i + 1] then return i end
end
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[1]) end
return 0
`;

type GuardRedis = Redis & { writeGuard(...args: Array<string | number>): Promise<number> };

/** A write refused because the job no longer holds one of its locks (or Redis did not say). */
export class LockLostError extends Error {
  readonly code = 'LOCK_LOST';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`write not sent: ${reason}`);
  }
}

export interface WriteGuardOptions {
  /** `redis://…` (the fleet's Redis), or a client of the caller's (not closed here). */
  redis: string | Redis;
  /** The locks' ttl (Locks.ttlMs): a passed check renews them to it. */
  ttlMs: number;
  /** How long a check may take before the write is cancelled (default 2 s). */
  timeoutMs?: number;
}

export class WriteGuard {
  private readonly redis: GuardRedis;
  private readonly owned: boolean;

  constructor(private readonly options: WriteGuardOptions) {
    this.owned = typeof options.redis === 'string';
    this.redis = (
      typeof options.redis === 'string'
        ? new Redis(options.redis, {
            maxRetriesPerRequest: 1,
            commandTimeout: options.timeoutMs ?? 2000,
            enableOfflineQueue: true,
          })
        : options.redis
    ) as GuardRedis;
    if (this.owned) this.redis.on('error', () => {});
    this.redis.defineCommand('writeGuard', { lua: CHECK });
  }

  /**
   * Resolves when every fence's lock is still held with its token (and renews them);
   * rejects with LockLostError otherwise, or when Redis does not answer. No fences: refused
   * (a fleet worker never writes outside a job).
   */
  async check(fences: readonly Fence[] | undefined): Promise<void> {
    if (!fences || fences.length === 0) throw new LockLostError('', 'no lock is held for it');
    let lost: number;
    try {
      lost = Number(
        await this.redis.writeGuard(
          fences.length,
          ...fences.map((f) => f.key),
          this.options.ttlMs,
          ...fences.map((f) => String(f.token)),
        ),
      );
    } catch (error) {
      throw new LockLostError('', `Redis did not confirm the locks (${(error as Error).message})`);
    }
    if (lost > 0) {
      const fence = fences[lost - 1]!;
      throw new LockLostError(fence.key, `the lock ${fence.key} is no longer held with token ${fence.token}`);
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * `runtime.beforeWrite` of a worker's tenants: checks the running job's fences; when they
 * are lost, stops the job (`Work.stop`: the worker runs it again) and refuses the write.
 */
export function guardWrites(guard: WriteGuard, work: WorkContext): (write: WriteAttempt) => Promise<void> {
  return async () => {
    const current = work.current();
    try {
      await guard.check(current?.fences);
    } catch (error) {
      current?.stop?.abort(error);
      throw error;
    }
  };
}
