/**
 * The timeline of benchmark 6's backfill (bench/startup.ts): one real `mapsync sync` against
 * both sandboxes at 10 rps, every request each sandbox received with its arrival time from the
 * spawn, the exit, and the gaps. `node --import tsx bench/backfill-timeline.ts [runs]`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillShop } from './lib/dataset.ts';
import { REPO, startEnv } from './lib/env.ts';
import { kindOf } from './lib/requests.ts';

const SHOP = { customers: 50, products: 26, orders: 50, completedEvery: 0 };
const runs = Number(process.argv[2] ?? 1);
const verbose = process.argv.includes('-v');
const quiet = process.argv.includes('-q');
const trace = process.argv.find((a) => a.startsWith('--trace='))?.slice(8);
const bin = process.argv.find((a) => a.startsWith('--bin='))?.slice(6) ?? join(REPO, 'bin/mapsync.js');

for (let run = 1; run <= runs; run++) {
  const env = await startEnv({ fill: (woo) => fillShop(woo, SHOP), poRateLimit: 10, connectorRateLimit: 10 });
  try {
    const wooMark = env.woo.log.mark();
    const t0 = Date.now();
    const profile = process.argv.find((a) => a.startsWith('--prof='))?.slice(7);
    const cpuAt: number[] = [];
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
          ...(trace ? ['--import', trace] : []),
          bin,
          'sync',
        ],
        { cwd: env.dir, env: { ...process.env, ...env.env }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      // The child's CPU (user + sys, ms) when PowerOffice answers its 1st and its 4th request.
      const log = env.po.log;
      const add = log.add.bind(log);
      let answered = 0;
      log.add = (entry) => {
        answered++;
        if ((answered === 1 || answered === 4) && child.pid) {
          const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
          cpuAt.push((Number(fields[11]) + Number(fields[12])) * 10);
        }
        add(entry);
      };
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    const exit = Date.now() - t0;
    if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr.slice(-800)}`);
    const rows = [
      ...env.po.log.list().map((r) => ({ sys: 'po', r })),
      ...env.woo.log.list(wooMark).map((r) => ({ sys: 'woo', r })),
    ]
      .map(({ sys, r }) => {
        const end = Date.parse(r.at) - t0;
        return {
          sys,
          start: end - r.durationMs,
          end,
          kind: kindOf(r),
          what: `${r.method} ${r.path}${r.query.Fields ? ` Fields=${r.query.Fields}` : ''}${r.query.PageNumber ? ` p${r.query.PageNumber}` : ''}${r.query.page ? ` p${r.query.page}` : ''}`,
        };
      })
      .sort((a, b) => a.start - b.start);
    const po = rows.filter((r) => r.sys === 'po');
    if (trace)
      console.log(
        result.stderr
          .split('\n')
          .filter((l) => l.startsWith('TRACE'))
          .join('; '),
      );
    if (quiet) {
      const n4 = po[3]!.start;
      console.log(
        JSON.stringify({
          bin,
          cpuAt,
          exit,
          first: po[0]!.start,
          n4,
          last: po.at(-1)!.start,
          po: po.length,
          afterLast: exit - po.at(-1)!.end,
        }),
      );
      continue;
    }
    console.log(
      `run ${run}: exit ${exit} ms; po ${po.length} requests, first at ${po[0]?.start} ms, last ends ${po.at(-1)?.end} ms; woo ${rows.length - po.length}`,
    );
    let prev: (typeof rows)[number] | undefined;
    let group = '';
    let n = 0;
    let groupStart = 0;
    const flush = (end: number) => {
      if (n)
        console.log(`  ${String(groupStart).padStart(6)}–${String(end).padStart(6)} ms  ${n} × ${group}`);
    };
    let poIndex = 0;
    for (const row of rows) {
      if (row.sys === 'po') poIndex++;
      const key = `${row.sys} ${row.kind} ${row.what.replace(/\/\d+$/, '/{id}')}`;
      const gap = prev ? row.start - prev.start : 0;
      if (verbose || key !== group || gap > 150) {
        flush(prev?.end ?? 0);
        if (gap > 150) console.log(`         gap ${gap} ms`);
        group = key;
        n = 0;
        groupStart = row.start;
        if (verbose) console.log(`  #${poIndex} ${row.start} ${key}`);
      }
      n++;
      prev = row;
    }
    flush(prev?.end ?? 0);
    console.log(`  exit ${exit} ms (${exit - (po.at(-1)?.end ?? 0)} ms after the last response)`);
    // The chain the limiter imposes on the last request: n waits for the slot of n − 10 (it ends
    // 1,000 ms after that one's answer: engine/connectors/http/rate-limiter.ts). Lateness: how
    // much later than its slot allowed a request started (it was not ready).
    const slotEnd = (i: number) => po[i]!.end + 1000;
    let i = po.length - 1;
    const chain: string[] = [];
    let late = 0;
    let stretch = 0;
    while (i >= 10) {
      const allowed = slotEnd(i - 10);
      const l = po[i]!.start - allowed;
      late += Math.max(0, l);
      stretch += slotEnd(i - 10) - (po[i - 10]!.start + 1000);
      if (l > 20) chain.push(`#${i + 1} ${l} ms late (${po[i]!.what})`);
      i -= 10;
    }
    console.log(
      `  chain from #${i + 1} (${po[i]!.start} ms, ${po[i]!.what}): ${Math.floor((po.length - 1 - i) / 10)} windows; late starts ${late} ms, slots stretched by the answers' time ${stretch} ms`,
    );
    for (const c of chain) console.log(`    ${c}`);
    const firstTen = po.slice(0, 10).map((r) => r.start - po[0]!.start);
    console.log(`  first 10 PO starts after the first: ${firstTen.join(', ')}`);
  } finally {
    await env.close();
  }
}
