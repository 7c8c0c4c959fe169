/**
 * Runs the `mapsync` program in this process: the real argv, env, stdout, exit code and the
 * built-in connector registry. main.ts (the unbundled CLI and the ES module bundle) awaits it
 * at its top level; the CommonJS bundle of `validate` and `test` (bin/bundle.js, which cannot
 * hold a top-level await) exports it to bin/mapsync.js.
 */
import { quietWriter } from './pipes.ts';
import { runCli } from './program.ts';

/**
 * Commands whose work is all done when they return (the summary printed; the store, the
 * connections and the evaluation workers closed): the process then exits as soon as stdout
 * and stderr have taken what was written, instead of letting node free, piece by piece, the
 * heap the run built (30–150 ms after the last line, more the busier the machine:
 * docs/benchmarks.md, *6. CLI start-up*). The exit code is the command's.
 */
const DONE_WHEN_RETURNED = new Set(['sync', 'plan']);

export async function runProcess(): Promise<void> {
  // A reader that stops early (`| head`) must not turn into an EPIPE stack trace.
  const out = quietWriter(process.stdout);
  const err = quietWriter(process.stderr);
  await runCli(process.argv.slice(2), {
    registry: async () => (await import('../connectors/index.ts')).connectors,
    env: process.env,
    cwd: process.cwd(),
    out,
    err,
    now: () => new Date(),
    setExitCode: (code) => {
      process.exitCode = code;
    },
  });
  if (DONE_WHEN_RETURNED.has(process.argv[2] ?? '')) await exitOnceWritten();
}

/** Exit (with `process.exitCode`) once stdout and stderr have taken everything written to them. */
async function exitOnceWritten(): Promise<void> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => {
          // A pipe closed by its reader takes nothing more; `write`'s callback comes after
          // every earlier write is handed to the system (asynchronous on a pipe).
          if (stream.destroyed || !stream.writable) resolve();
          else stream.write('', () => resolve());
        }),
    ),
  );
  process.exit();
}
