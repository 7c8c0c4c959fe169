/**
 * Short-term memory for the status page: a live feed of recent changes and two small time
 * series (records synced per interval, requests per second per system). Bounded ring
 * buffers; nothing here is persisted, the store and /metrics are the long-term record.
 */
import type { RequestEvent } from '../runtime.ts';
import type { ConflictEvent, RecordEvent } from './ports.ts';

export interface FeedEntry {
  at: string;
  mapping: string;
  side: RecordEvent['side'];
  id: string;
  outcome: string;
  direction?: RecordEvent['direction'];
  properties?: string[];
  reason?: string;
  /** Conflict entries (`outcome: 'conflict'`): whose value won, and by which policy. */
  winner?: ConflictEvent['winner'];
  policy?: string;
  partnerId?: string;
}

export interface ActivityOptions {
  /** Entries kept in the feed (default 50). */
  feedSize?: number;
  /** Width of a records bucket in ms (default 10 s) and how many are kept (default 90 = 15 min). */
  recordBucketMs?: number;
  recordBuckets?: number;
  /** Seconds of request-rate history (default 300). */
  requestSeconds?: number;
  now?: () => number;
}

/** Outcomes worth a line in the feed (an unchanged record is not news). */
const NEWS = new Set(['created', 'updated', 'deleted', 'archived', 'failed', 'linked']);

export class Activity {
  private readonly feed: FeedEntry[] = [];
  private readonly feedSize: number;
  private readonly recordBucketMs: number;
  private readonly recordBuckets: number;
  private readonly requestSeconds: number;
  private readonly now: () => number;
  /** bucket start (ms) → outcome → count */
  private readonly records = new Map<number, Record<string, number>>();
  /** second (ms) → system → count */
  private readonly requests = new Map<number, Record<string, number>>();

  constructor(options: ActivityOptions = {}) {
    this.feedSize = options.feedSize ?? 50;
    this.recordBucketMs = options.recordBucketMs ?? 10_000;
    this.recordBuckets = options.recordBuckets ?? 90;
    this.requestSeconds = options.requestSeconds ?? 300;
    this.now = options.now ?? Date.now;
  }

  record(event: RecordEvent): void {
    const at = event.at?.getTime() ?? this.now();
    const bucket = at - (at % this.recordBucketMs);
    const counts = this.records.get(bucket) ?? {};
    counts[event.outcome] = (counts[event.outcome] ?? 0) + 1;
    this.records.set(bucket, counts);
    this.trim(this.records, at - this.recordBucketMs * this.recordBuckets);
    if (!NEWS.has(event.outcome)) return;
    this.push({
      at: new Date(at).toISOString(),
      mapping: event.mapping,
      side: event.side,
      id: event.id,
      outcome: event.outcome,
      ...(event.direction ? { direction: event.direction } : {}),
      ...(event.properties ? { properties: event.properties.slice(0, 20) } : {}),
      ...(event.reason ? { reason: event.reason.slice(0, 300) } : {}),
    });
  }

  /** A conflict decided by policy: one feed line (property, policy, winner; no values). */
  conflict(event: ConflictEvent): void {
    const at = event.at?.getTime() ?? this.now();
    this.push({
      at: new Date(at).toISOString(),
      mapping: event.mapping,
      side: 'source',
      id: event.sourceId,
      partnerId: event.targetId,
      outcome: 'conflict',
      properties: [event.property],
      winner: event.winner,
      policy: event.policy,
      ...(event.winner === 'source' ? { direction: 'to-target' as const } : {}),
      ...(event.winner === 'target' ? { direction: 'to-source' as const } : {}),
    });
  }

  private push(entry: FeedEntry): void {
    this.feed.unshift(entry);
    if (this.feed.length > this.feedSize) this.feed.length = this.feedSize;
  }

  request(event: RequestEvent): void {
    const at = this.now();
    const second = at - (at % 1000);
    const counts = this.requests.get(second) ?? {};
    counts[event.system] = (counts[event.system] ?? 0) + 1;
    this.requests.set(second, counts);
    this.trim(this.requests, at - this.requestSeconds * 1000);
  }

  recentFeed(limit = this.feedSize): FeedEntry[] {
    return this.feed.slice(0, limit);
  }

  /**
   * Columnar series for the charts (uPlot's data layout): x in unix seconds, one array per
   * outcome / system, zero-filled so the lines do not interpolate across quiet periods.
   */
  series(): {
    records: { bucketSeconds: number; t: number[]; outcomes: Record<string, number[]> };
    requests: { t: number[]; systems: Record<string, number[]> };
  } {
    const now = this.now();
    const recordStart = now - (now % this.recordBucketMs) - this.recordBucketMs * (this.recordBuckets - 1);
    const recordT: number[] = [];
    const outcomes: Record<string, number[]> = {};
    for (const counts of this.records.values()) for (const key of Object.keys(counts)) outcomes[key] ??= [];
    for (let b = recordStart; b <= now; b += this.recordBucketMs) {
      recordT.push(b / 1000);
      const counts = this.records.get(b) ?? {};
      for (const [key, values] of Object.entries(outcomes)) values.push(counts[key] ?? 0);
    }
    const requestStart = now - (now % 1000) - (this.requestSeconds - 1) * 1000;
    const requestT: number[] = [];
    const systems: Record<string, number[]> = {};
    for (const counts of this.requests.values()) for (const key of Object.keys(counts)) systems[key] ??= [];
    // The current second is still filling up; the chart ends at the last complete one.
    for (let s = requestStart; s < now - (now % 1000); s += 1000) {
      requestT.push(s / 1000);
      const counts = this.requests.get(s) ?? {};
      for (const [key, values] of Object.entries(systems)) values.push(counts[key] ?? 0);
    }
    return {
      records: { bucketSeconds: this.recordBucketMs / 1000, t: recordT, outcomes },
      requests: { t: requestT, systems },
    };
  }

  private trim(map: Map<number, unknown>, before: number): void {
    for (const key of map.keys()) {
      if (key >= before) break;
      map.delete(key);
    }
  }
}
