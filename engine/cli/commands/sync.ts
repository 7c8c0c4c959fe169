/**
 * `mapsync sync`: one run of every mapping (or `--mapping NAME`, with its fan-out
 * children), with a progress bar per mapping on a terminal, plain lines otherwise, and a
 * final summary. Exit 0 when everything synced, 1 when records failed or a mapping
 * stopped, 2 on configuration errors (every missing environment variable is named).
 */
import type { Command } from 'commander';
import { type CliDeps, registryOf } from '../deps.ts';

interface Options {
  config?: string;
  mapping?: string[];
  full?: boolean;
  json?: boolean;
}

export function register(program: Command, deps: CliDeps): void {
  program
    .command('sync')
    .summary('run every mapping once: sync both systems')
    .description(
      'Run every mapping once, in dependency order: find what changed on either side, merge it ' +
        'property by property and write only the differences. See docs/sync-engine.md.',
    )
    .option('-c, --config <file>', 'mapsync.yaml (default: $MAPSYNC_CONFIG or ./mapsync.yaml)')
    .option('-m, --mapping <name...>', 'only these mappings (fan-out children come along)')
    .option('--full', 'list everything instead of changes since the cursors (also detects deletes)')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 all synced; 1 records failed, a conflict waits for a person (conflict: manual),\n' +
        'a mapping stopped or the run was interrupted; 2 configuration errors.',
    )
    .action(async (options: Options) => {
      deps.setExitCode(await runSync(deps, options, false));
    });
}

/** Shared by `sync` and `plan`. Returns the exit code. */
export async function runSync(deps: CliDeps, options: Options, dryRun: boolean): Promise<number> {
  const { configPathOf, openProject } = await import('../../compose.ts');
  const { combineEvents, progressReporter } = await import('../progress.ts');
  const { formatPlan, formatSummary } = await import('../report.ts');
  const tty = !options.json && process.stderr.isTTY === true && deps.env.CI === undefined;
  const progress = progressReporter({ tty, write: deps.err, stream: process.stderr });
  const opened = await openProject({
    configPath: configPathOf(deps.cwd, deps.env, options.config),
    env: deps.env,
    cwd: deps.cwd,
    registry: await registryOf(deps),
    events: combineEvents(options.json ? undefined : progress.events),
  });
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const summary = await opened.engine.run({
      ...(options.mapping ? { mappings: options.mapping } : {}),
      mode: options.full ? 'full' : 'incremental',
      dryRun,
      signal: controller.signal,
    });
    progress.stop();
    if (options.json) deps.out(`${JSON.stringify(summary, null, 2)}\n`);
    else if (dryRun) deps.out(formatPlan(summary));
    else deps.out(formatSummary(summary));
    return summary.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    progress.stop();
    await opened.close();
  }
}
