/**
 * What every CLI command receives from the composition root instead of reaching for
 * globals: the connector registry, the environment, the working directory, output sinks
 * and a way to set the exit code. Tests build their own `CliDeps` to run commands
 * in-process and capture what they print.
 */
import type { Command } from 'commander';
import type { ConnectorRegistry } from '../connectors/registry.ts';

export interface CliDeps {
  /**
   * The connector registry, or a function that loads it: main.ts loads the connectors (and
   * their HTTP stack) only once a command runs, so that `--help` stays fast.
   */
  readonly registry: ConnectorRegistry | (() => Promise<ConnectorRegistry>);
  /** Environment variables (`${VAR}` interpolation in mapsync.yaml). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** Command results and diagnostics (stdout). Each call is one chunk, usually ending in "\n". */
  readonly out: (text: string) => void;
  /** Human notes that are not results (stderr). */
  readonly err: (text: string) => void;
  readonly now: () => Date;
  /** Folder of the JSON Schemas (mapping, config, entities); default: the shipped `schemas/`. */
  readonly schemasDir?: string;
  /** Commands report their outcome through the exit code; they never call process.exit. */
  readonly setExitCode: (code: number) => void;
}

export async function registryOf(deps: CliDeps): Promise<ConnectorRegistry> {
  return typeof deps.registry === 'function' ? await deps.registry() : deps.registry;
}

/**
 * One file per command under engine/cli/commands/ exports this. `register` only declares
 * the command (name, options, help); what the action needs beyond that it imports when it
 * runs, so that `mapsync --help` and every other command start without loading it.
 */
export interface CommandModule {
  register(program: Command, deps: CliDeps): void;
}
