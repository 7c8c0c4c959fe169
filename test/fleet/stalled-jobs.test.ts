/**
 * Jobs whose workers die under them (engine/fleet/roles/worker.ts, MAX_STALLS): real worker
 * roles in child processes (stall-child.mjs, on dist/) on the shared Redis under a prefix of the test's
 * own, SIGKILLed one after another while the same job runs on them — as a tenant's backfill
 * is hit by several of the fleet-sigkill chaos run's 30 kills. No timing decides anything:
 * each kill waits for the job to run on that worker, each next worker finds it stalled
 * (BullMQ's lock, 1 s, ran out) and takes it.
 *
 * With BullMQ's limit at 5 the seventh worker failed the job ("job stalled more than
 * allowable limit") and, failed jobs being removed, its work vanished without a word. Now
 * the job runs again; and a job past a (lowered) limit is dropped loudly: an error in the
 * log, `dropped` in the metrics, `JOB_STALLED` on the job board.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { jobIdOf, type RecordJob } from '../../engine/fleet/jobs/job.ts';
import { FleetQueue } from '../../engine/fleet/jobs/queue.ts';
import { JobBoard } from '../../engine/fleet/observe/job-board.ts';
import { REDIS_URL, redisMissing, uniqueName } from '../services.ts';
import { dropPrefix } from './budget-helpers.ts';

const missing = await redisMissing();
const CHILD = fileURLToPath(new URL('./stall-child.mjs', import.meta.url));
const prefixes: string[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const p of prefixes) await dropPrefix(`${p}:`);
});

const job: RecordJob = {
  v: 1,
  kind: 'record',
  tenant: 'shop-1',
  mapping: 'customer',
  side: 'source',
  id: '7',
  event: 'updated',
};

interface Worker {
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout (or stderr) matches (rejects if the process ends first). */
  until(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<void>;
  kill(): Promise<void>;
}

function worker(prefix: string, settings: { finish: boolean; maxStalls?: number }): Worker {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify({ redis: REDIS_URL, prefix, ...settings })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    stdout: () => out,
    stderr: () => err,
    async until(pattern, stream = 'stdout') {
      while (!pattern.test(stream === 'stdout' ? out : err)) {
        if (proc.exitCode !== null || proc.signalCode !== null)
          throw new Error(`worker ended before ${pattern}:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Add the job, then let it start on `kills` workers in turn, each SIGKILLed while it runs. */
async function killWhileRunning(kills: number, maxStalls?: number) {
  const prefix = uniqueName('mapsync-test-stall');
  prefixes.push(prefix);
  const queue = new FleetQueue({ redis: REDIS_URL, prefix });
  try {
    expect(await queue.add(job)).toBe('queued');
    for (let i = 0; i < kills; i++) {
      const dying = worker(prefix, { finish: false, ...(maxStalls !== undefined ? { maxStalls } : {}) });
      await dying.until(/^running$/m);
      await dying.kill();
      expect(await queue.queue.getJobState(jobIdOf(job))).toBe('active');
    }
    const last = worker(prefix, { finish: true, ...(maxStalls !== undefined ? { maxStalls } : {}) });
    await last.until(/^(outcome done|failed .*)$/m);
    // Settled: the job left the queue (finished jobs are removed).
    await expect
      .poll(() => queue.queue.getJobState(jobIdOf(job)), { timeout: 30_000, interval: 100 })
      .toBe('unknown');
    return { prefix, last };
  } finally {
    await queue.close();
  }
}

describe.skipIf(missing !== undefined)('a job whose workers are killed under it', () => {
  it('runs again after 6 stalls (BullMQ dropped it past 5) and finishes', { timeout: 300_000 }, async () => {
    const { last } = await killWhileRunning(6);
    // The seventh worker found it stalled a sixth time and ran it to the end.
    expect(last.stdout()).not.toMatch(/^failed /m);
    expect(last.stdout()).toMatch(/^running\noutcome done$/m);
    expect(last.stderr()).toMatch(/job stalled \(its worker stopped\): running it again/);
    expect(last.stderr()).not.toMatch(/job dropped/);
    await last.kill();
  });

  it('past the limit, drops it loudly: error log, metric outcome, job board', {
    timeout: 300_000,
  }, async () => {
    const { prefix, last } = await killWhileRunning(2, 1);
    // The third worker found it stalled a second time (limit 1) and failed it unrun.
    expect(last.stdout()).not.toMatch(/^running$/m);
    expect(last.stdout()).toMatch(/^failed job stalled more than allowable limit$/m);
    expect(last.stdout()).toMatch(/^outcome dropped$/m);
    await last.until(/job dropped/, 'stderr');
    const line = last
      .stderr()
      .split('\n')
      .find((l) => l.includes('job dropped'));
    expect(line, last.stderr()).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      level: 50,
      tenant: 'shop-1',
      mapping: 'customer',
      kind: 'record',
      stalls: 2,
    });
    const board = new JobBoard({ redis: REDIS_URL, prefix: `${prefix}:` });
    try {
      // Written after the log line, without waiting for it.
      await expect
        .poll(async () => (await board.read('shop-1')).customer?.record, { timeout: 30_000, interval: 100 })
        .toMatchObject({ outcome: 'failed', codes: ['JOB_STALLED'] });
    } finally {
      await board.close();
    }
    await last.kill();
  });
});
