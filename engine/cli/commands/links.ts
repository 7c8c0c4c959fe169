/**
 * `mapsync links [MAPPING]`: the link store, readably: per mapping the cursors and every
 * link (source id ↔ target id, how it was made, when last synced). `--json` prints the
 * stored records as they are (store layout v1, docs/store-layout.md). `--check` looks for
 * target records linked from more than one source record instead (links are one-to-one).
 */
import type { Command } from 'commander';
import type { OpenedProject } from '../../compose.ts';
import { ConfigError } from '../../errors.ts';
import type { SharedTarget } from '../../store/link-check.ts';
import type { LinkRecord } from '../../store/sync-state.ts';
import { type CliDeps, registryOf } from '../deps.ts';
import { EXIT_FAILED } from '../exit-codes.ts';

interface Options {
  config?: string;
  json?: boolean;
  check?: boolean;
  unlink?: string;
}

export function register(program: Command, deps: CliDeps): void {
  program
    .command('links [mapping]')
    .summary('show the link store')
    .description('Show which records are linked (source id ↔ target id), how, and the cursors.')
    .option('-c, --config <file>', 'mapsync.yaml (default: $MAPSYNC_CONFIG or ./mapsync.yaml)')
    .option('--json', 'print JSON (the stored records)')
    .option(
      '--check',
      'list target records linked from more than one source record (links must be one-to-one)',
    )
    .option('--unlink <mapping:id>', 'remove the link of one source record (to mend what --check reports)')
    .addHelpText(
      'after',
      '\nExit status with --check: 0 every link is one-to-one, 1 some target record is linked more than once.\n' +
        'After --unlink the record is unlinked: the next run matches or creates it again (and fails with\n' +
        'LINK_TAKEN when the record it would take belongs to another one).',
    )
    .action(async (mapping: string | undefined, options: Options) => {
      const { configPathOf, openProject } = await import('../../compose.ts');
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
        const names = mapping ? [mapping] : order;
        if (options.unlink) await unlink(deps, opened, options.unlink);
        else if (options.check) await check(deps, opened, names, options.json === true);
        else await list(deps, opened, names, options.json === true);
      } finally {
        await opened.close();
      }
    });
}

async function list(deps: CliDeps, opened: OpenedProject, names: readonly string[], json: boolean) {
  const { MappingState } = await import('../../store/sync-state.ts');
  const { formatLinks } = await import('../report.ts');
  const out: Array<{ mapping: string; cursors: Record<string, string | undefined>; links: LinkRecord[] }> =
    [];
  for (const name of names) {
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
  if (json)
    deps.out(`${JSON.stringify({ layout: 1, store: opened.store.description, mappings: out }, null, 2)}\n`);
  else for (const m of out) deps.out(formatLinks(m.mapping, m.links, m.cursors));
}

async function check(deps: CliDeps, opened: OpenedProject, names: readonly string[], json: boolean) {
  const { MappingState } = await import('../../store/sync-state.ts');
  const { manyToOneLinks } = await import('../../store/link-check.ts');
  const shared: SharedTarget[] = [];
  let links = 0;
  for (const name of names) {
    const m = opened.project.mappings.find((x) => x.name === name)!;
    const result = await manyToOneLinks(new MappingState(name, opened.store), { fanOut: !!m.fanOut });
    links += result.links;
    shared.push(...result.shared);
  }
  if (json) {
    deps.out(`${JSON.stringify({ links, manyToOne: shared }, null, 2)}\n`);
  } else {
    for (const s of shared) {
      const m = opened.project.mappings.find((x) => x.name === s.mapping)!;
      deps.out(
        `${s.mapping}: ${m.target.system} ${m.target.entity} ${s.targetId} is linked from ${s.sourceIds.length} ${m.source.system} ${m.source.entity} records: ${s.sourceIds.join(', ')}\n`,
      );
    }
    deps.out(
      shared.length === 0
        ? `links --check: every link is one-to-one (${links} links in ${names.length} mapping(s))\n`
        : `links --check: ${shared.length} target record(s) linked more than once; keep one each and unlink the others (mapsync links --unlink MAPPING:SOURCE_ID)\n`,
    );
  }
  deps.setExitCode(shared.length === 0 ? 0 : EXIT_FAILED);
}

async function unlink(deps: CliDeps, opened: OpenedProject, spec: string) {
  const colon = spec.indexOf(':');
  const mapping = spec.slice(0, colon);
  const id = spec.slice(colon + 1);
  if (colon < 1 || id === '' || !opened.engine.order.includes(mapping))
    throw new ConfigError(
      'CLI_USAGE',
      `--unlink needs MAPPING:SOURCE_ID with a known mapping (got "${spec}")`,
    );
  const { MappingState } = await import('../../store/sync-state.ts');
  const state = new MappingState(mapping, opened.store);
  const link = await state.getLink(id);
  if (!link) {
    deps.out(`${mapping}: source record ${id} is not linked\n`);
    deps.setExitCode(EXIT_FAILED);
    return;
  }
  await state.deleteLink(link);
  deps.out(`${mapping}: unlinked source record ${id} from target record ${link.targetId}\n`);
}
