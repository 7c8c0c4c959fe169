/**
 * `mapsync retry [ID] [--all] [--mapping NAME]`: make failed records due now and run them.
 * It is an ordinary incremental run of the mappings (so a fix made in the source — a new
 * product an order waits for — is picked up first, in dependency order) in which the
 * chosen failed records are retried at once instead of at their backoff time. A record
 * that succeeds leaves the failed list; one that fails again stays, attempts counted.
 * Exit 0 when every retried record synced.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { type CliDeps, registryOf } from '../deps.ts';
import { failedRecords } from './failed.ts';

interface Options {
  config?: string;
  all?: boolean;
  mapping?: string;
  json?: boolean;
}

export function register(program: Command, deps: CliDeps): void {
  program
    .command('retry [id]')
    .summary('retry failed records now')
    .description('Retry one failed record (by id, optionally MAPPING:ID) or all of them now.')
    .option('-c, --config <file>', 'mapsync.yaml (default: $MAPSYNC_CONFIG or ./mapsync.yaml)')
    .option('--all', 'retry every failed record')
    .option('-m, --mapping <name>', 'only failed records of this mapping')
    .option('--json', 'print the run summary as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 all retried records synced, 1 some failed again, 2 usage or configuration errors.',
    )
    .action(async (id: string | undefined, options: Options) => {
      if (!id && !options.all) throw new ConfigError('CLI_USAGE', 'give a record id or --all');
      const { configPathOf, openProject } = await import('../../compose.ts');
      const { formatFailed, formatSummary } = await import('../report.ts');
      const opened = await openProject({
        configPath: configPathOf(deps.cwd, deps.env, options.config),
        env: deps.env,
        cwd: deps.cwd,
        registry: await registryOf(deps),
      });
      try {
        const before = await failedRecords(opened.store, opened.engine.order, options.mapping);
        const chosen = before.filter((f) => !id || f.id === id || `${f.mapping}:${f.id}` === id);
        if (chosen.length === 0) {
          deps.out(id ? `no failed record ${id}\n` : 'no failed records\n');
          deps.setExitCode(id ? 1 : 0);
          return;
        }
        const summary = await opened.engine.run({
          ...(options.mapping ? { mappings: [options.mapping] } : {}),
          ...(id ? { retryIds: new Set([id]) } : { retryAllNow: true }),
        });
        const after = await failedRecords(opened.store, opened.engine.order, options.mapping);
        const still = after.filter((f) =>
          chosen.some((c) => c.mapping === f.mapping && c.side === f.side && c.id === f.id),
        );
        if (options.json) {
          deps.out(
            `${JSON.stringify({ retried: chosen.length, succeeded: chosen.length - still.length, failed: still, summary }, null, 2)}\n`,
          );
        } else {
          deps.out(formatSummary(summary));
          deps.out(
            `retried ${chosen.length}, synced ${chosen.length - still.length}, still failing ${still.length}\n`,
          );
          if (still.length > 0) deps.out(formatFailed(still));
        }
        deps.setExitCode(still.length === 0 && !summary.storeError ? 0 : 1);
      } finally {
        await opened.close();
      }
    });
}
