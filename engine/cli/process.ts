/**
 * Runs the `mapsync` program in this process: the real argv, env, stdout, exit code and the
 * built-in connector registry. main.ts (the unbundled CLI and the ES module bundle) awaits it
 * at its top level; the CommonJS bundle of `validate` and `test` (bin/bundle.js, which cannot
 * hold a top-level await) exports it to bin/mapsync.js.
 */
import { quietWriter } from './pipes.ts';
import { runCli } from './program.ts';

export function runProcess(): Promise<void> {
  // A reader that stops early (`| head`) must not turn into an EPIPE stack trace.
  const out = quietWriter(process.stdout);
  const err = quietWriter(process.stderr);
  return runCli(process.argv.slice(2), {
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
}
