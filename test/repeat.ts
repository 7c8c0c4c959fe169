/**
 * `npm run test:repeat`: the suite, 5 times in a row, on a machine made busy on purpose: one
 * child process per core spins for the whole time, as a colleague's build or a loaded CI
 * machine would. A test that leans on a timer firing before (or after) something it does
 * not control fails here. Passes only when every run passes.
 *
 *   npm run test:repeat                              the whole suite, 5 times
 *   npm run test:repeat -- --times 3                 3 times
 *   npm run test:repeat -- test/http test/service    only these files or folders (as vitest takes them)
 *
 * Exit status: 0 when every run passed, 1 otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const timesAt = args.indexOf('--times');
const times = timesAt >= 0 ? Number(args[timesAt + 1]) : 5;
if (!Number.isInteger(times) || times < 1) throw new Error('--times needs a whole number ≥ 1');
const filters = timesAt >= 0 ? args.filter((_, i) => i !== timesAt && i !== timesAt + 1) : args;

const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

/** One busy-looping node process per core. */
function startHogs(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

let suite: ChildProcess | undefined;
function runSuite(): Promise<number> {
  return new Promise((resolve) => {
    suite = spawn(process.execPath, [vitest, 'run', ...filters], { stdio: 'inherit' });
    suite.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const hogs = startHogs();
const stopHogs = () => {
  for (const hog of hogs) if (hog.exitCode === null) hog.kill('SIGKILL');
};
process.on('exit', stopHogs);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopHogs();
    if (suite?.exitCode === null) suite.kill(signal);
    process.exit(1);
  });
}

console.log(
  `test:repeat: ${times} runs of ${filters.length > 0 ? filters.join(' ') : 'the suite'} with ${hogs.length} busy processes (one per core)`,
);
const outcomes: Array<{ code: number; seconds: number }> = [];
for (let run = 1; run <= times; run++) {
  const started = Date.now();
  const code = await runSuite();
  const seconds = Math.round((Date.now() - started) / 1000);
  outcomes.push({ code, seconds });
  console.log(`\n== test:repeat run ${run}/${times}: ${code === 0 ? 'passed' : 'FAILED'} in ${seconds} s\n`);
}
stopHogs();
const failed = outcomes.filter((o) => o.code !== 0).length;
console.log(
  outcomes.map((o, i) => `run ${i + 1}: ${o.code === 0 ? 'passed' : 'FAILED'} (${o.seconds} s)`).join('\n'),
);
console.log(`test:repeat: ${times - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
