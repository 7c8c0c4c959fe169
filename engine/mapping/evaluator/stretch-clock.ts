/**
 * When the evaluator pool stops an expression (pool.ts): after it has had `limitMs` of the
 * machine in one uninterrupted stretch — not after `limitMs` on the wall clock. On a machine
 * busier than its cores (load 15 on 2 cores, as a shared CI host or an overcommitted VM), a
 * worker thread waits for a core most of the time, and an expression that needs 200 ms of
 * CPU takes seconds of wall time; a wall-clock limit then failed ordinary records with
 * MAP_EVAL_TIMEOUT. The process's CPU time (all its threads, from `process.cpuUsage`) since
 * the stretch began bounds what the expression's thread got, so the stretch counts as the
 * smaller of the two. A runaway expression on a quiet machine is stopped after `limitMs` as
 * before (its thread burns a core: CPU time keeps up with the wall); a starved one gets its
 * time, up to `ceilingMs` of wall time, which bounds every expression whatever the machine.
 */

/** CPU time of this process, all threads, in ms. */
export function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Shortest wait between two looks at a running stretch. */
const MIN_RECHECK_MS = 25;

export type StretchVerdict = { wait: number } | { stop: 'limit' | 'ceiling' };

interface Sample {
  wall: number;
  cpu: number;
}

export class StretchClock {
  /** Readings taken since the job began, oldest first; older ones are dropped once unneeded. */
  private samples: Sample[] = [];

  constructor(
    private readonly limitMs: number,
    private readonly ceilingMs: number,
    private readonly cpu: () => number = processCpuMs,
    private readonly now: () => number = Date.now,
  ) {}

  /** A job was sent to the worker. */
  start(): void {
    this.samples = [{ wall: this.now(), cpu: this.cpu() }];
  }

  /** The stretch that began at `startedAt` (wall ms) is still running: wait, or stop it. */
  check(startedAt: number): StretchVerdict {
    const wall = this.now();
    const cpu = this.cpu();
    const ran = wall - startedAt;
    // CPU since the last reading taken before the stretch began: at least what it got.
    let base = this.samples[0] ?? { wall: startedAt, cpu };
    for (const sample of this.samples) if (sample.wall <= startedAt) base = sample;
    const had = Math.min(ran, cpu - base.cpu);
    this.samples = [...this.samples.filter((s) => s.wall >= base.wall), { wall, cpu }];
    if (had >= this.limitMs) return { stop: 'limit' };
    if (ran >= this.ceilingMs) return { stop: 'ceiling' };
    return { wait: Math.max(MIN_RECHECK_MS, Math.min(this.limitMs - had, this.ceilingMs - ran)) };
  }
}

export function ceilingMessage(limit: number, ceiling: number): string {
  return `evaluation did not finish within ${ceiling} ms (the machine was too busy to give it the ${limit} ms of its hard limit); it was stopped`;
}

export function hardLimitMessage(ms: number): string {
  return `evaluation ran longer than the hard limit of ${ms} ms in one uninterrupted stretch (e.g. one long built-in call); it was stopped`;
}
