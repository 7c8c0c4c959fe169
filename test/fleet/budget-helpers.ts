/** Shared by the rate-budget tests: hubs on a key prefix of their own, window checks. */
import { Redis } from 'ioredis';
import { RateBudgetHub, type RateBudgetOptions } from '../../engine/fleet/rate-budget/hub.ts';
import { WorkContext } from '../../engine/fleet/work-context.ts';
import { REDIS_URL, uniqueName } from '../services.ts';

export function testPrefix(): string {
  return `mapsync-test:${uniqueName('rb')}:`;
}

export function makeHub(prefix: string, options: Partial<RateBudgetOptions> = {}): RateBudgetHub {
  return new RateBudgetHub({ redis: REDIS_URL, prefix, work: new WorkContext(), ...options });
}

/** The most starts any window of `windowMs` holds (a window is half-open: (t − windowMs, t]). */
export function maxInWindow(starts: readonly number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let max = 0;
  let from = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[from]! >= windowMs) from++;
    max = Math.max(max, i - from + 1);
  }
  return max;
}

/** Delete every key a test made under its prefix. */
export async function dropPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // Redis gone (a test stopped it): nothing left to delete.
  } finally {
    redis.disconnect();
  }
}

export const noop = async () => undefined;
