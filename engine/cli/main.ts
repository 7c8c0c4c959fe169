/**
 * Process entry of the `mapsync` command (bin/mapsync.js loads its compiled copy): wires the
 * real process (argv, env, stdout, exit code) and the built-in connector registry into
 * the program (process.ts). Everything else lives in program.ts so tests can run the CLI
 * in-process.
 */
import { runProcess } from './process.ts';

await runProcess();
