/**
 * The last job of each kind per tenant and mapping, as the status pages show it: workers
 * write it to Redis when a job ends, the web role reads it. One hash per tenant
 * (`<prefix>status:<tenant>`, field `<mapping>/<kind>`), kept 30 days after its last write.
 *
 * Only for people looking: nothing decides anything from it, so losing it with a Redis
 * restart costs nothing but the page's "last run" until the next job. It holds outcome
 * counts, codes and times — never a message that could quote a record's values.
 */
import { Redis } from 'ioredis';

export interface LastJob {
  kind: string;
  outcome: 'done' | 'failed';
  /** When it ended (ISO, UTC). */
  at: string;
  durationMs: number;
  /** Record outcomes of a run (created, updated, unchanged, failed, …). */
  counts?: Record<string, number>;
  /** Error codes of a failed job (STORE_UNAVAILABLE, CONNECTOR_AUTH, …), never messages. */
  codes?: string[];
}

const KEEP_SECONDS = 30 * 24 * 3600;

export class JobBoard {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: { redis: string; prefix: string }) {
    this.redis = new Redis(options.redis, { maxRetriesPerRequest: 1, lazyConnect: true });
    // Reported per call; an unhandled 'error' event would end the process.
    this.redis.on('error', () => {});
    this.prefix = options.prefix;
  }

  private keyOf(tenant: string): string {
    return `${this.prefix}status:${tenant}`;
  }

  async record(tenant: string, mapping: string, last: LastJob): Promise<void> {
    const key = this.keyOf(tenant);
    await this.redis
      .multi()
      .hset(key, `${mapping}/${last.kind}`, JSON.stringify(last))
      .expire(key, KEEP_SECONDS)
      .exec();
  }

  /** A tenant's last jobs: mapping → kind → last job. */
  async read(tenant: string): Promise<Record<string, Record<string, LastJob>>> {
    return group(await this.redis.hgetall(this.keyOf(tenant)));
  }

  /** The newest job of each tenant asked for (one round trip for all of them). */
  async latest(tenants: readonly string[]): Promise<Map<string, LastJob & { mapping: string }>> {
    const out = new Map<string, LastJob & { mapping: string }>();
    if (tenants.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const t of tenants) pipeline.hgetall(this.keyOf(t));
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([error, value], i) => {
      if (error) throw error;
      for (const [mapping, kinds] of Object.entries(group(value as Record<string, string>))) {
        for (const last of Object.values(kinds)) {
          const best = out.get(tenants[i]!);
          if (!best || best.at < last.at) out.set(tenants[i]!, { ...last, mapping });
        }
      }
    });
    return out;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function group(hash: Record<string, string>): Record<string, Record<string, LastJob>> {
  const out: Record<string, Record<string, LastJob>> = {};
  for (const [field, text] of Object.entries(hash)) {
    const slash = field.lastIndexOf('/');
    const mapping = field.slice(0, slash);
    try {
      const kinds = out[mapping] ?? {};
      kinds[field.slice(slash + 1)] = JSON.parse(text) as LastJob;
      out[mapping] = kinds;
    } catch {
      // Not ours (or from an older version): the page shows nothing for it.
    }
  }
  return out;
}
