/**
 * Process entry of the `mapsync` command (bin/mapsync.js loads its compiled copy): wires the
 * real process (argv, env, stdout, exit code) and the built-in connector registry into
 * the program. Everything else lives in program.ts so tests can run the CLI in-process.
 */
import { quietWriter } from './pipes.ts';
import { runCli } from './program.ts';

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
