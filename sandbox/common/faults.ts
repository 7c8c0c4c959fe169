/**
 * Fault injection shared by both sandboxes. A sandbox decides once per request, from a
 * seeded random source, whether to misbehave and how. Rates are probabilities in [0, 1];
 * they are checked in a fixed order so that one draw decides one fault.
 */
import { Random } from './random.ts';

export interface FaultConfig {
  /** Added delay per request: a fixed number of ms or a [min, max] range. */
  latencyMs?: number | [number, number];
  rate429?: number;
  rate500?: number;
  rate502?: number;
  rate503?: number;
  /** Close the connection without a response. */
  resetRate?: number;
  /**
   * Never answer. For writes the change is applied first (the nastiest case: the client
   * cannot know whether it happened).
   */
  timeoutRate?: number;
  /** Answer 200 with a truncated, unparsable JSON body (writes are applied). */
  malformedRate?: number;
  /** PowerOffice only: tokens expire after this many seconds instead of 1200. */
  tokenLifetimeSeconds?: number;
  /** Seed of the fault dice (default 1). */
  seed?: number;
}

export type FaultKind = '429' | '500' | '502' | '503' | 'reset' | 'timeout' | 'malformed';

const ORDER: Array<[FaultKind, keyof FaultConfig]> = [
  ['429', 'rate429'],
  ['500', 'rate500'],
  ['502', 'rate502'],
  ['503', 'rate503'],
  ['reset', 'resetRate'],
  ['timeout', 'timeoutRate'],
  ['malformed', 'malformedRate'],
];

export class FaultInjector {
  private config: FaultConfig = {};
  private random = new Random(1);
  /** Faults injected so far, by kind (for chaos reports). */
  readonly injected: Record<string, number> = {};

  constructor(config: FaultConfig = {}) {
    this.configure(config);
  }

  configure(config: FaultConfig): void {
    this.config = { ...config };
    this.random = new Random(config.seed ?? 1);
  }

  current(): FaultConfig {
    return { ...this.config };
  }

  /** The fault for this request, if any. */
  draw(): FaultKind | undefined {
    const roll = this.random.next();
    let threshold = 0;
    for (const [kind, key] of ORDER) {
      threshold += (this.config[key] as number | undefined) ?? 0;
      if (roll < threshold) {
        this.injected[kind] = (this.injected[kind] ?? 0) + 1;
        return kind;
      }
    }
    return undefined;
  }

  latency(): number {
    const l = this.config.latencyMs;
    if (l === undefined) return 0;
    return Array.isArray(l) ? this.random.int(l[0], l[1]) : l;
  }
}
