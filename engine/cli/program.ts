/**
 * Builds the `mapsync` commander program and runs it with explicit dependencies, so the
 * whole CLI can be exercised in-process by tests. User errors never show a stack trace:
 * a `ConfigError` prints `mapsync: <message>` and exits 2 (another MapsyncError exits 1);
 * commander's usage errors exit 2; anything else is reported as an internal error (exit
 * 70), with the stack only when MAPSYNC_DEBUG is set.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, MapsyncError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { commands } from './commands/index.ts';
import type { CliDeps, CommandModule } from './deps.ts';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_INTERNAL } from './exit-codes.ts';

/** The program with `modules` (default: every command) registered. */
export function buildProgram(deps: CliDeps, modules: readonly CommandModule[] = commands): Command {
  const program = new Command()
    .name('mapsync')
    .description(
      'Two-way sync between business systems, declared in YAML mappings with JSONata expressions. First product: WooCommerce <-> PowerOffice Go.',
    )
    .version(VERSION, '-V, --version', 'print the mapsync version')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.out(text),
      writeErr: (text) => deps.err(text),
    });
  for (const module of modules) module.register(program, deps);
  return program;
}

/** Parse `argv` (user arguments only, without node and script) and run the command. */
export async function runCli(
  argv: readonly string[],
  deps: CliDeps,
  modules: readonly CommandModule[] = commands,
): Promise<void> {
  const program = buildProgram(deps, modules);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    deps.setExitCode(exitCodeFor(error, deps));
  }
}

function exitCodeFor(error: unknown, deps: CliDeps): number {
  if (error instanceof CommanderError) {
    // --help / --version end with code 0; usage errors were already printed by commander.
    return error.exitCode === 0 ? 0 : EXIT_CONFIG;
  }
  if (error instanceof MapsyncError) {
    deps.err(`mapsync: ${error.message}\n`);
    return error instanceof ConfigError ? EXIT_CONFIG : EXIT_FAILED;
  }
  const message = error instanceof Error ? error.message : String(error);
  deps.err(`mapsync: internal error: ${message}\n`);
  if (deps.env.MAPSYNC_DEBUG && error instanceof Error && error.stack) deps.err(`${error.stack}\n`);
  return EXIT_INTERNAL;
}
