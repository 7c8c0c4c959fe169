/**
 * `npm run bench`: every benchmark, each figure printed as
 * `name: measured / limit = ratio (PASS|FAIL)`, then docs/performance.md regenerated (the
 * table, the machine, the date and the command of each row, how each figure was measured,
 * and the engine problems found).
 *
 *   npm run bench                      all benchmarks, full size (about 12 minutes)
 *   npm run bench -- --quick           the small CI variant; writes bench/out/performance.md
 *   npm run bench -- --only scale,latency   a subset; other rows of the document are kept
 *   npm run bench -- --only startup         the CLI's start-up (--help, validate, a small backfill)
 *   npm run bench -- --only scale-out       the fleet: 2 subscription keys, 1 → 2 → 4 workers
 *   npm run bench -- --only lifecycle       order to cash: requests per order, a lifecycle backfill
 *   npm run bench -- --render-only     rewrite docs/performance.md from its own data
 *
 * Exit status: 0 when it ran (a missed target is a figure, not a crash), 1 when a
 * benchmark could not run at all.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ciExample } from './ci-example.ts';
import { engineCost } from './engine-cost.ts';
import { fairness } from './fairness.ts';
import { fleetMemory } from './fleet-memory.ts';
import { latency } from './latency.ts';
import { type Benchmark, startRun } from './lib/context.ts';
import { rerender, writeRunDocument } from './lib/document.ts';
import { REPO } from './lib/env.ts';
import { lifecycle } from './lifecycle.ts';
import { requestsPerRecord } from './requests-per-record.ts';
import { scaleMemory } from './scale-memory.ts';
import { scaleOut } from './scale-out.ts';
import { startup } from './startup.ts';
import { throughput } from './throughput.ts';

const ALL: Benchmark[] = [
  throughput,
  requestsPerRecord,
  engineCost,
  scaleMemory,
  latency,
  startup,
  fairness,
  fleetMemory,
  scaleOut,
  ciExample,
  lifecycle,
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { quick, only, ctx, started, load } = startRun('bench', args);
  const selected = ALL.filter((b) => !only || only.has(b.name));
  if (args.includes('--render-only')) {
    // Only rewrite docs/performance.md from the data it holds (after a change to the template).
    rerender(join(REPO, 'docs/performance.md'));
    return;
  }
  // dist/ built once for all: the engine-cost benchmark times it, and the CLI the others
  // spawn (bin/mapsync.js) runs it.
  execFileSync(process.execPath, [join(REPO, 'bin/build.js')], { stdio: 'inherit' });
  const broken: string[] = [];
  for (const benchmark of selected) {
    const t = Date.now();
    console.log(`\n== ${benchmark.title}${quick ? ' (quick)' : ''}`);
    try {
      await benchmark.run(ctx);
    } catch (error) {
      broken.push(benchmark.name);
      console.error(
        `${benchmark.name} could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      ctx.findings.push({
        benchmark: benchmark.title,
        title: 'the benchmark could not run',
        lines: [error instanceof Error ? error.message : String(error)],
      });
    }
    console.log(`   (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  }
  const totalS = (Date.now() - started) / 1000;
  const failed = ctx.figures.list.filter((f) => f.verdict === 'FAIL');
  console.log(
    `\n== summary: ${ctx.figures.list.length} figures, ${failed.length} FAIL, ${totalS.toFixed(0)} s`,
  );
  for (const f of failed) console.log(`   FAIL ${f.benchmark}: ${f.name}`);
  for (const f of ctx.findings) console.log(`   finding (${f.benchmark}): ${f.title}`);

  const outDir = join(REPO, 'bench/out');
  mkdirSync(outDir, { recursive: true });
  const file = quick ? join(outDir, 'performance.md') : join(REPO, 'docs/performance.md');
  writeRunDocument(file, {
    kind: 'bench',
    quick,
    ctx,
    totalSeconds: totalS,
    keepOthers: only !== undefined,
    load,
  });
  console.log(`wrote ${file}`);
  if (broken.length > 0) process.exitCode = 1;
}

await main();
// Sockets kept alive by connectors or sandboxes must not hold the process open.
process.exit(process.exitCode ?? 0);
