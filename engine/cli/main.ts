/**
 * Process entry of the `mapsync` command (bin/mapsync.js loads its compiled copy): wires the
 * real process (argv, env, stdout, exit code) and the built-in connector registry into
 * the program. Everything else lives in program.ts so tests can run the CLI in-process.
 */
import { runCli } from './program.ts';

await runCli(process.argv.slice(2), {
  registry: async () => (await import('../connectors/index.ts')).connectors,
  env: process.env,
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  now: () => new Date(),
  setExitCode: (code) => {
    process.exitCode = code;
  },
});
