/**
 * `npm run chaos`: the fault-injection runs. Each prints one line — trials, faults
 * injected, duplicates found, records missing, final state equal to a clean run (yes/no) —
 * and its figures, then docs/performance.md is regenerated (its chaos rows).
 *
 *   npm run chaos                          all runs, full size (about 7 minutes)
 *   npm run chaos -- --quick               the small CI variant; writes bench/out/performance.md
 *   npm run chaos -- --only sigkill,faults  a subset (sigkill, faults, store, concurrent,
 *                                          fleet-sigkill, fleet-redis, fleet-postgres: these
 *                                          need PostgreSQL and Redis; lifecycle)
 *
 * Exit status 1 when a run could not complete; with `--strict` also when any figure fails
 * (a duplicate, a missing record, something left pending, a final state unlike a clean run's).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchContext, startRun } from '../lib/context.ts';
import { writeRunDocument } from '../lib/document.ts';
import { REPO } from '../lib/env.ts';
import { concurrentEdits } from './concurrent-edits.ts';
import { faults } from './faults.ts';
import { fleetPostgres, fleetRedis, fleetSigkill } from './fleet.ts';
import { type ChaosResult, describe } from './lib.ts';
import { lifecycleChaos } from './lifecycle.ts';
import { sigkill } from './sigkill.ts';
import { storeOutage } from './store-outage.ts';

interface ChaosRun {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<ChaosResult>;
}

const ALL: ChaosRun[] = [
  { name: 'sigkill', title: 'chaos 1. SIGKILL + restart', run: sigkill },
  { name: 'faults', title: 'chaos 2. 20 % faults', run: faults },
  { name: 'store', title: 'chaos 3. store outage', run: storeOutage },
  { name: 'concurrent', title: 'chaos 4. concurrent edits', run: concurrentEdits },
  { name: 'fleet-sigkill', title: 'chaos 5. fleet: SIGKILL workers', run: fleetSigkill },
  { name: 'fleet-redis', title: 'chaos 6. fleet: Redis restarted', run: fleetRedis },
  { name: 'fleet-postgres', title: 'chaos 7. fleet: PostgreSQL unavailable', run: fleetPostgres },
  { name: 'lifecycle', title: 'chaos 8. SIGKILL through order to cash', run: lifecycleChaos },
];

function figures(ctx: BenchContext, title: string, r: ChaosResult): void {
  const what = `${r.trials} trials, ${r.faults} faults injected ${JSON.stringify(r.faultKinds)}`;
  ctx.figures.add(title, {
    name: 'duplicates found',
    measured: r.duplicates.length,
    limit: 0,
    unit: '',
    kind: 'equal',
    note: `${what}${r.duplicates.length ? `; ${r.duplicates.slice(0, 5).join('; ')}` : ''}`,
  });
  ctx.figures.add(title, {
    name: 'records missing (or edits lost)',
    measured: r.missing.length,
    limit: 0,
    unit: '',
    kind: 'equal',
    ...(r.missing.length ? { note: r.missing.slice(0, 5).join('; ') } : {}),
  });
  ctx.figures.add(title, {
    name: 'left pending (intents, failed records)',
    measured: r.pending.length,
    limit: 0,
    unit: '',
    kind: 'equal',
    ...(r.pending.length ? { note: r.pending.slice(0, 5).join('; ') } : {}),
  });
  ctx.figures.add(title, {
    name: 'final state equal to a clean run (1 = yes)',
    measured: r.equalToClean ? 1 : 0,
    limit: 1,
    unit: '',
    kind: 'equal',
    note: `${r.extra ?? ''}${r.differences.length ? `; differences: ${r.differences.slice(0, 5).join('; ')}` : ''}`,
  });
  for (const f of r.figures ?? []) ctx.figures.add(title, f);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { quick, only, ctx, started, load } = startRun('chaos', args);
  const lines: string[] = [];
  let broken = false;
  for (const chaos of ALL.filter((c) => !only || only.has(c.name))) {
    const t = Date.now();
    console.log(`\n== ${chaos.title}${quick ? ' (quick)' : ''}`);
    try {
      const findingsBefore = ctx.findings.length;
      const result = await chaos.run(ctx);
      // The run's own findings explain its failures better than the generic ones below.
      const explained = ctx.findings.length > findingsBefore;
      const line = describe(result);
      console.log(line);
      lines.push(line);
      figures(ctx, chaos.title, result);
      if (!explained && result.differences.length > 0) {
        ctx.findings.push({
          benchmark: chaos.title,
          title: 'final state differs from a clean run',
          lines: result.differences.slice(0, 15),
        });
      }
      if (!explained && result.duplicates.length + result.missing.length + result.pending.length > 0) {
        ctx.findings.push({
          benchmark: chaos.title,
          title: 'duplicates, missing or pending records',
          lines: [...result.duplicates, ...result.missing, ...result.pending].slice(0, 15),
        });
      }
    } catch (error) {
      broken = true;
      console.error(
        `${chaos.name} could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      ctx.findings.push({
        benchmark: chaos.title,
        title: 'the run could not complete',
        lines: [error instanceof Error ? error.message : String(error)],
      });
    }
    console.log(`   (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  }
  const totalS = (Date.now() - started) / 1000;
  console.log(`\n== summary (${totalS.toFixed(0)} s)`);
  for (const l of lines) console.log(`   ${l}`);
  for (const f of ctx.findings) console.log(`   finding (${f.benchmark}): ${f.title}`);
  const outDir = join(REPO, 'bench/out');
  mkdirSync(outDir, { recursive: true });
  const file = quick ? join(outDir, 'performance.md') : join(REPO, 'docs/performance.md');
  writeRunDocument(file, {
    kind: 'chaos',
    quick,
    ctx,
    totalSeconds: totalS,
    keepOthers: only !== undefined,
    load,
  });
  console.log(`wrote ${file}`);
  // A failed figure is a finding (reported in the document), not a broken script: the exit
  // status tells CI whether the runs still work. `--strict` also fails on any FAIL.
  const strict = args.includes('--strict');
  if (broken || (strict && ctx.figures.list.some((f) => f.verdict === 'FAIL'))) process.exitCode = 1;
}

await main();
process.exit(process.exitCode ?? 0);
