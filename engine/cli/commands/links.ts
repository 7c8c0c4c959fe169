/**
 * `mapsync links [MAPPING]`: the link store, readably: per mapping the cursors and every
 * link (source id ↔ target id, how it was made, when last synced). `--json` prints the
 * stored records as they are (store layout v1, docs/store-layout.md).
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import type { LinkRecord } from '../../store/sync-state.ts';
import { type CliDeps, registryOf } from '../deps.ts';

export function register(program: Command, deps: CliDeps): void {
  program
    .command('links [mapping]')
    .summary('show the link store')
    .description('Show which records are linked (source id ↔ target id), how, and the cursors.')
    .option('-c, --config <file>', 'mapsync.yaml (default: $MAPSYNC_CONFIG or ./mapsync.yaml)')
    .option('--json', 'print JSON (the stored records)')
    .action(async (mapping: string | undefined, options: { config?: string; json?: boolean }) => {
      const { MappingState } = await import('../../store/sync-state.ts');
      const { configPathOf, openProject } = await import('../../sync/compose.ts');
      const { formatLinks } = await import('../../sync/report.ts');
      const opened = await openProject({
        configPath: configPathOf(deps.cwd, deps.env, options.config),
        env: deps.env,
        cwd: deps.cwd,
        registry: await registryOf(deps),
        connect: false,
      });
      try {
        const order = opened.engine.order;
        if (mapping && !order.includes(mapping)) {
          throw new ConfigError(
            'SYNC_UNKNOWN_MAPPING',
            `unknown mapping "${mapping}" (known: ${order.join(', ')})`,
          );
        }
        const out: Array<{
          mapping: string;
          cursors: Record<string, string | undefined>;
          links: LinkRecord[];
        }> = [];
        for (const name of mapping ? [mapping] : order) {
          const state = new MappingState(name, opened.store);
          const links: LinkRecord[] = [];
          for await (const link of state.allLinks()) links.push(link);
          links.sort((a, b) => a.sourceId.localeCompare(b.sourceId, undefined, { numeric: true }));
          out.push({
            mapping: name,
            cursors: { source: await state.getCursor('source'), target: await state.getCursor('target') },
            links,
          });
        }
        if (options.json)
          deps.out(
            `${JSON.stringify({ layout: 1, store: opened.store.description, mappings: out }, null, 2)}\n`,
          );
        else for (const m of out) deps.out(formatLinks(m.mapping, m.links, m.cursors));
      } finally {
        await opened.close();
      }
    });
}
