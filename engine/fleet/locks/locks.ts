/**
 * Locks in Redis with fencing tokens (docs/fleet.md, "Jobs, locks and fencing"). A lock is
 * `SET key token NX PX ttl`, renewed every third of its ttl while held; its token comes
 * from an `INCR` per key, so each new holder's is higher than every earlier one's. Store
 * writes carry the tokens (engine/store/fencing.ts): a holder that paused past its ttl and
 * lost the lock can no longer write.
 *
 * Redis keeps nothing on disk here, so a counter can vanish with a restart: a missing
 * counter starts at Redis's clock in microseconds (ms × 1000), above every token handed out
 * before as long as a key saw fewer than 1,000 holders per millisecond since its counter was
 * made — locks are taken per record and per mapping, far below that.
 */
import { Redis } from 'ioredis';
import type { Fence } from '../../store/fencing.ts';

/** KEYS: lock, counter. ARGV: ttl ms. Returns the token, or 0 when the lock is held. */
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local now = redis.call('TIME')
  -- Built as a string: a Lua number this large would print in exponent form.
  redis.call('SET', KEYS[2], now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000)) .. '000')
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'NX', 'PX', ARGV[1])
return token
`;

/** KEYS: lock. ARGV: token, ttl. 1 while this holder has it (renewed), else 0. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** KEYS: lock. ARGV: token. Deletes the lock only if this holder still has it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type LockRedis = Redis & {
  lockAcquire(lock: string, counter: string, ttl: number): Promise<number>;
  lockRenew(lock: string, token: string, ttl: number): Promise<number>;
  lockRelease(lock: string, token: string): Promise<number>;
};

export interface LocksOptions {
  /** `redis://…` (the fleet's Redis), or a client of the caller's (not closed here). */
  redis: string | Redis;
  /** Prefix of every key (default `mapsync:`). */
  prefix?: string;
  /** How long a lock lives without renewal (default 30 s). */
  ttlMs?: number;
  /** How often a held lock is renewed (default ttl / 3). Tests make a holder "pause". */
  renewEveryMs?: number;
}

/** Locks held together (one job's); `lost` aborts when any of them could not be renewed. */
export interface Lease {
  readonly fences: readonly Fence[];
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export class LockBusyError extends Error {
  constructor(readonly key: string) {
    super(`lock ${key} is held by another worker`);
  }
}

export class Locks {
  private readonly redis: LockRedis;
  private readonly owned: boolean;
  private readonly prefix: string;
  readonly ttlMs: number;
  private readonly renewEveryMs: number;

  constructor(options: LocksOptions) {
    this.owned = typeof options.redis === 'string';
    this.redis = (
      typeof options.redis === 'string'
        ? new Redis(options.redis, { maxRetriesPerRequest: 2 })
        : options.redis
    ) as LockRedis;
    if (this.owned) this.redis.on('error', () => {});
    this.redis.defineCommand('lockAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    this.redis.defineCommand('lockRenew', { numberOfKeys: 1, lua: RENEW });
    this.redis.defineCommand('lockRelease', { numberOfKeys: 1, lua: RELEASE });
    this.prefix = options.prefix ?? 'mapsync:';
    this.ttlMs = options.ttlMs ?? 30_000;
    this.renewEveryMs = options.renewEveryMs ?? Math.floor(this.ttlMs / 3);
  }

  /** The Redis key of a lock name (also the fence key the store records). */
  keyOf(name: string): string {
    return `${this.prefix}lock:${name}`;
  }

  /**
   * Take every lock of `names` (in sorted order, so two jobs never wait on each other in a
   * circle), waiting up to `waitMs` for each; all or none: on failure the ones taken are
   * released and a LockBusyError names the one that was not free.
   */
  async acquire(
    names: readonly string[],
    options: { waitMs?: number; signal?: AbortSignal } = {},
  ): Promise<Lease> {
    const keys = [...new Set(names)].sort().map((name) => this.keyOf(name));
    const held: Fence[] = [];
    try {
      for (const key of keys)
        held.push({ key, token: await this.take(key, options.waitMs ?? 0, options.signal) });
    } catch (error) {
      await this.releaseAll(held);
      throw error;
    }
    return this.lease(held);
  }

  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async take(key: string, waitMs: number, signal?: AbortSignal): Promise<number> {
    const until = Date.now() + waitMs;
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      signal?.throwIfAborted();
      const token = Number(await this.redis.lockAcquire(key, `${key}:fence`, this.ttlMs));
      if (token > 0) return token;
      if (Date.now() >= until) throw new LockBusyError(key);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(1, until - Date.now()))));
    }
  }

  private lease(fences: Fence[]): Lease {
    const lost = new AbortController();
    const timer = setInterval(() => {
      void Promise.all(fences.map((f) => this.redis.lockRenew(f.key, String(f.token), this.ttlMs)))
        .then((renewed) => {
          const gone = fences.find((_, i) => Number(renewed[i]) !== 1);
          if (gone) lost.abort(new LockBusyError(gone.key));
        })
        // Redis away: the lock may run out; the fences keep a stale write out if it does.
        .catch(() => {});
    }, this.renewEveryMs);
    timer.unref();
    return {
      fences,
      lost: lost.signal,
      release: async () => {
        clearInterval(timer);
        await this.releaseAll(fences);
      },
    };
  }

  private async releaseAll(fences: readonly Fence[]): Promise<void> {
    // A release that fails leaves the lock to expire after its ttl.
    await Promise.all(fences.map((f) => this.redis.lockRelease(f.key, String(f.token)).catch(() => 0)));
  }
}
