/**
 * `npm run test:repeat`: the suite, 5 times, on a machine made busy on purpose: one child
 * process per core spins for the whole time, as a colleague's build or a loaded CI machine
 * would. A test that leans on a timer firing before (or after) something it does not control
 * fails here. Passes only when every run passes.
 *
 * One vitest run holds every repetition (test/repeat.config.ts: vitest.config.ts's projects
 * once per repetition, `isolated #3`, `shared #3`, …), so vitest, its transforms and the build
 * of dist/ start once instead of once a repetition, and each file still runs that many times,
 * each time in a worker of its own repetition, longest file first, on as many workers as
 * vitest.config.ts gives or `--workers` says. The repetitions run one after the other; with
 * `--overlap` a free worker takes the next file of any repetition, so files of different
 * repetitions (a file and its own copy too) run at the same time: only for files that share
 * no fixed name (test/repeat.config.ts). test/repeat-reporter.ts prints `run N:
 * passed|FAILED` for each repetition at the end.
 *
 *   npm run test:repeat                              the whole suite, 5 times
 *   npm run test:repeat -- --times 3                 3 times
 *   npm run test:repeat -- --workers 4               4 test files at a time (default: vitest.config.ts's)
 *   npm run test:repeat -- --overlap FILES           the repetitions at the same time (CI's repeat step)
 *   npm run test:repeat -- test/http test/service    only these files or folders (as vitest takes them)
 *
 * Exit status: 0 when every run passed, 1 otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
/** The value after `--name` (and drops both from `args`), or undefined. */
function option(name: string): number | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a whole number ≥ 1`);
  args.splice(at, 2);
  return value;
}
const times = option('--times') ?? 5;
const workers = option('--workers');
const overlapAt = args.indexOf('--overlap');
if (overlapAt >= 0) args.splice(overlapAt, 1);
const filters = args;

const REPEAT_CONFIG = fileURLToPath(new URL('repeat.config.ts', import.meta.url));
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

/** One busy-looping node process per core. */
function startHogs(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

let suite: ChildProcess | undefined;
/** One vitest run of every repetition (test/repeat.config.ts); resolves with its exit code. */
function runSuite(): Promise<number> {
  return new Promise((resolve) => {
    suite = spawn(process.execPath, [vitest, 'run', '--config', REPEAT_CONFIG, ...filters], {
      stdio: 'inherit',
      env: {
        ...process.env,
        MAPSYNC_REPEAT_TIMES: String(times),
        ...(workers ? { MAPSYNC_REPEAT_WORKERS: String(workers) } : {}),
        ...(overlapAt >= 0 ? { MAPSYNC_REPEAT_OVERLAP: '1' } : {}),
      },
    });
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
  `test:repeat: ${times} runs of ${filters.length > 0 ? filters.join(' ') : 'the suite'} in one vitest run` +
    `${workers ? ` (${workers} workers)` : ''}, with ${hogs.length} busy processes (one per core)`,
);
const started = Date.now();
const code = await runSuite();
stopHogs();
console.log(
  `test:repeat: ${code === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`,
);
process.exitCode = code === 0 ? 0 : 1;
