/**
 * Benchmark 10 — the CI example of docs/ci.md: the GitHub Actions job's commands after the
 * install (`npx --no mapsync test --format github`, which validates and then tests), read
 * from the page and run on a small repository (the shipped mappings: 5 mappings, their 72
 * test cases). Target: under 5 s for the whole check. One warm-up run
 * (disk cache), then the median of several; each run is fresh processes, as in CI.
 *
 * Wall-clock time is the target's measure; on a machine shared with other work it grows
 * with the load (the load average is in the note). The CPU time the steps used (user +
 * system, bash's `time` around each step, children included) is given beside it for
 * information: it is not the idle wall-clock time (node and esbuild use several threads,
 * and contention inflates it too), but it shows whether the work itself changed.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  ciEnv,
  INSTALL_STEP,
  runShell,
  runWorkflow,
  smallRepo,
  workflowRunSteps,
} from '../test/ci/ci-example.ts';
import type { Benchmark } from './lib/context.ts';

const B = '10. CI example';
const LIMIT_S = 5;

export const ciExample: Benchmark = {
  name: 'ci',
  title: B,
  async run(ctx) {
    const dir = smallRepo();
    try {
      const runs = ctx.quick ? 3 : 7;
      const times: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const steps = await runWorkflow(dir);
        const failed = steps.find((s) => s.code !== 0);
        if (failed)
          throw new Error(`step "${failed.name}" failed (${failed.code}): ${failed.out}${failed.err}`);
        if (i > 0) times.push(steps.reduce((sum, s) => sum + s.ms, 0) / 1000);
      }
      const sorted = [...times].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      ctx.log(`  ${runs} runs: ${sorted.map((t) => t.toFixed(2)).join(', ')} s`);
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) cpu.push(await cpuSeconds(dir));
      const cpuSorted = [...cpu].sort((a, b) => a - b);
      const cpuMedian = cpuSorted[Math.floor(cpuSorted.length / 2)]!;
      ctx.log(
        `  CPU (user + sys): ${cpuSorted.map((t) => t.toFixed(2)).join(', ')} s; load average ${loadavg()[0]!.toFixed(1)}`,
      );
      ctx.figures.add(B, {
        name: `docs/ci.md GitHub job (validate and test, shipped mappings), median of ${runs}`,
        measured: median,
        limit: LIMIT_S,
        unit: 's',
        note: `the job's run steps after \`npm ci\`, read from docs/ci.md and run with bash -eo pipefail as GitHub does, npx included; fastest ${sorted[0]!.toFixed(2)} s, slowest ${sorted.at(-1)!.toFixed(2)} s; grows with the machine's load (${loadavg()[0]!.toFixed(1)} at the end)`,
      });
      ctx.figures.add(B, {
        name: `docs/ci.md GitHub job, CPU time (user + sys), median of ${runs}`,
        measured: cpuMedian,
        limit: LIMIT_S,
        unit: 's',
        kind: 'info',
        note: 'the same steps under bash `time`, child processes included (several threads each: not the idle wall-clock time)',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** CPU seconds (user + sys, children included) of the job's steps, from bash's `time`. */
async function cpuSeconds(dir: string): Promise<number> {
  let total = 0;
  for (const step of workflowRunSteps()) {
    if (step.run.trim() === INSTALL_STEP) continue;
    const timed = await runShell(
      `TIMEFORMAT='mapsync-cpu %3U %3S'; time {\n${step.run}\n}`,
      dir,
      ciEnv({ GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir }),
    );
    const m = /mapsync-cpu ([\d.]+) ([\d.]+)/.exec(timed.err);
    if (timed.code !== 0 || !m) throw new Error(`step "${step.name}" failed under time: ${timed.err}`);
    total += Number(m[1]) + Number(m[2]);
  }
  return total;
}
