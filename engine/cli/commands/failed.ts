/**
 * `mapsync failed [MAPPING]`: the failed records kept in the store (validation errors,
 * API refusals, conflicts, missing dependencies, locked records): mapping, side, id, code,
 * reason, attempts and the next automatic attempt.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import type { FailedRecord, MappingState } from '../../store/sync-state.ts';
import { type CliDeps, registryOf } from '../deps.ts';

export function register(program: Command, deps: CliDeps): void {
  program
    .command('failed [mapping]')
    .summary('list failed records')
    .description('List the records that failed to sync, with the reason and the next automatic retry.')
    .option('-c, --config <file>', 'mapsync.yaml (default: $MAPSYNC_CONFIG or ./mapsync.yaml)')
    .option('--json', 'print JSON')
    .action(async (mapping: string | undefined, options: { config?: string; json?: boolean }) => {
      const { configPathOf, openProject } = await import('../../compose.ts');
      const { formatFailed } = await import('../report.ts');
      const opened = await openProject({
        configPath: configPathOf(deps.cwd, deps.env, options.config),
        env: deps.env,
        cwd: deps.cwd,
        registry: await registryOf(deps),
        connect: false,
      });
      try {
        const records = await failedRecords(opened.store, opened.engine.order, mapping);
        deps.out(options.json ? `${JSON.stringify(records, null, 2)}\n` : formatFailed(records));
      } finally {
        await opened.close();
      }
    });
}

export async function failedRecords(
  store: ConstructorParameters<typeof MappingState>[1],
  order: readonly string[],
  mapping?: string,
): Promise<FailedRecord[]> {
  const names = mapping ? order.filter((m) => m === mapping) : order;
  if (mapping && names.length === 0) {
    throw new ConfigError(
      'SYNC_UNKNOWN_MAPPING',
      `unknown mapping "${mapping}" (known: ${order.join(', ')})`,
    );
  }
  const { MappingState } = await import('../../store/sync-state.ts');
  const all: FailedRecord[] = [];
  for (const name of names) all.push(...(await new MappingState(name, store).scanMeta()).failed);
  return all.sort((a, b) => a.mapping.localeCompare(b.mapping) || a.at.localeCompare(b.at));
}
