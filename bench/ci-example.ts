/**
 * Benchmark 6 — the CI example of docs/ci.md: the GitHub Actions job's commands after the
 * install (`mapsync validate --format github`, `mapsync test --format github`, through npx
 * as written), read from the page and run on a small repository (the shipped mappings: 4
 * mappings, their 34 test cases). Target: under 5 s for the whole check. One warm-up run
 * (disk cache), then the median of several; each run is fresh processes, as in CI.
 */
import { rmSync } from 'node:fs';
import { runWorkflow, smallRepo } from '../test/ci/ci-example.ts';
import type { Benchmark } from './lib/context.ts';

const B = '6. CI example';
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
      ctx.figures.add(B, {
        name: `docs/ci.md GitHub job (validate + test, shipped mappings), median of ${runs}`,
        measured: median,
        limit: LIMIT_S,
        unit: 's',
        note: `the job's run steps after \`npm ci\`, read from docs/ci.md and run with bash -eo pipefail as GitHub does, npx included; fastest ${sorted[0]!.toFixed(2)} s, slowest ${sorted.at(-1)!.toFixed(2)} s`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
