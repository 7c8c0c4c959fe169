/**
 * `mapsync plan`: a dry run of `sync`. The same code path, but nothing is written to
 * either system (only GETs are sent), store writes go to an in-memory overlay, and cursors
 * never move. Prints per mapping the counts and, for every record that would change, the
 * property-level diff (`path: old → new`) and its direction.
 */
import type { Command } from 'commander';
import type { CliDeps } from '../deps.ts';
import { runSync } from './sync.ts';

export function register(program: Command, deps: CliDeps): void {
  program
    .command('plan')
    .summary('dry run: show what sync would create, update and delete')
    .description(
      'Show what `mapsync sync` would do, without writing anything anywhere: per mapping the ' +
        'counts of create / update / unchanged / delete / failed, and the property-level diff of ' +
        'every record that would change. Records a dependency would create first are marked.',
    )
    .option('-c, --config <file>', 'mapsync.yaml (default: $MAPSYNC_CONFIG or ./mapsync.yaml)')
    .option('-m, --mapping <name...>', 'only these mappings (fan-out children come along)')
    .option('--full', 'plan a full run (complete listings; also detects deletes)')
    .option('--json', 'print the plan as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 nothing would fail; 1 records would fail or wait in a conflict (conflict: manual),\n' +
        'or a mapping stopped; 2 configuration errors.',
    )
    .action(async (options: { config?: string; mapping?: string[]; full?: boolean; json?: boolean }) => {
      deps.setExitCode(await runSync(deps, options, true));
    });
}
