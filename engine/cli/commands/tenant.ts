/**
 * `mapsync tenant add|list|show|remove|rotate-key`: the fleet's tenants (docs/fleet.md),
 * kept in the store (`--store`, else $MAPSYNC_STORE, else mapsync.yaml's `store`). Secrets
 * are sealed with MAPSYNC_MASTER_KEY on the way in and never printed: `show` masks them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ProjectConfig } from '../../config/load-config.ts';
import { type CliDeps, registryOf } from '../deps.ts';
import { EXIT_CONFIG } from '../exit-codes.ts';

interface Common {
  config?: string;
  store?: string;
}

export function register(program: Command, deps: CliDeps): void {
  const tenant = program
    .command('tenant')
    .summary('manage the tenants of a fleet')
    .description(
      'The tenants of a fleet: each a shop and a PowerOffice Go client with their own credentials (sealed with MAPSYNC_MASTER_KEY) and state. Kept in the store: --store, else $MAPSYNC_STORE, else the store of mapsync.yaml.',
    );
  const common = (command: Command) =>
    command
      .option('-c, --config <file>', 'mapsync.yaml (default: $MAPSYNC_CONFIG or ./mapsync.yaml)')
      .option('--store <uri>', 'store URI (default: $MAPSYNC_STORE, else mapsync.yaml)');

  common(
    tenant
      .command('add <id>')
      .summary('add a tenant from a tenant file')
      .description(
        'Add a tenant from a tenant file (schemas/tenant.schema.json; "-" reads it from standard input). Its systems are checked by their connectors and against mapsync.yaml; problems are printed as file:line:col. Exit 2 on any problem.',
      )
      .requiredOption('-f, --file <file>', 'tenant file, or - for standard input')
      .option('--replace', 'overwrite the tenant when it exists'),
  ).action(async (id: string, options: Common & { file: string; replace?: boolean }) => {
    const { parseTenantFile } = await import('../../tenants/tenant-input.ts');
    const { formatDiagnostic } = await import('../../diagnostics/diagnostic.ts');
    const { DEFAULT_SCHEMAS_DIR } = await import('../../yaml/document-schemas.ts');
    const opened = await openTenants(deps, options);
    try {
      const file = options.file === '-' ? '<stdin>' : options.file;
      const text =
        options.file === '-'
          ? readFileSync(0, 'utf8')
          : readFileSync(resolve(deps.cwd, options.file), 'utf8');
      const parsed = await parseTenantFile(text, file, {
        env: deps.env,
        registry: await registryOf(deps),
        schemasDir: deps.schemasDir ?? DEFAULT_SCHEMAS_DIR,
        ...(opened.config ? { shared: opened.config.systems, configDir: opened.config.dir } : {}),
      });
      if (!parsed.input) {
        for (const d of parsed.diagnostics) deps.out(`${formatDiagnostic(d)}\n`);
        deps.setExitCode(EXIT_CONFIG);
        return;
      }
      const record = await opened.tenants.add(id, parsed.input, { replace: options.replace === true });
      const sealed = Object.values(record.systems).reduce((n, s) => n + Object.keys(s.secrets).length, 0);
      deps.out(
        `tenant ${id} ${options.replace ? 'saved' : 'added'}: ${Object.keys(record.systems).join(', ')} (${sealed} secrets sealed)\n`,
      );
    } finally {
      await opened.close();
    }
  });

  common(tenant.command('list').summary('list the tenants').option('--json', 'print JSON')).action(
    async (options: Common & { json?: boolean }) => {
      const opened = await openTenants(deps, options);
      try {
        const all = await opened.tenants.list();
        if (options.json) {
          const views = await Promise.all(all.map((t) => opened.tenants.view(t.id)));
          deps.out(`${JSON.stringify(views, null, 2)}\n`);
          return;
        }
        if (all.length === 0) deps.out('no tenants\n');
        for (const t of all) {
          const systems = Object.entries(t.systems).map(([name, s]) => `${name} (${s.connector})`);
          deps.out(
            `${t.id}\t${t.name ?? ''}\t${systems.join(', ')}\t${t.mappings ?? 'shared mappings'}\tupdated ${t.updatedAt}\n`,
          );
        }
      } finally {
        await opened.close();
      }
    },
  );

  common(tenant.command('show <id>').summary('show a tenant, secrets masked')).action(
    async (id: string, options: Common) => {
      const opened = await openTenants(deps, options);
      try {
        deps.out(`${JSON.stringify(await opened.tenants.view(id), null, 2)}\n`);
      } finally {
        await opened.close();
      }
    },
  );

  common(
    tenant
      .command('remove <id>')
      .summary('remove a tenant')
      .option('--purge-state', "also delete the tenant's links, cursors, intents and failed records"),
  ).action(async (id: string, options: Common & { purgeState?: boolean }) => {
    const opened = await openTenants(deps, options);
    try {
      const { stateEntries } = await opened.tenants.remove(id, { purgeState: options.purgeState === true });
      deps.out(
        `tenant ${id} removed${options.purgeState ? ` with ${stateEntries} state entries` : ' (its state is kept: --purge-state deletes it)'}\n`,
      );
    } finally {
      await opened.close();
    }
  });

  common(
    tenant
      .command('rotate-key')
      .summary('seal every secret again with the first key of MAPSYNC_MASTER_KEY')
      .description(
        'Key rotation: put the new key first in MAPSYNC_MASTER_KEY (new-id:base64,old-id:base64), run this, then remove the old key. Safe to run again.',
      ),
  ).action(async (options: Common) => {
    const opened = await openTenants(deps, options);
    try {
      const result = await opened.tenants.rotateKey();
      deps.out(
        `${result.secrets} secrets of ${result.tenants} tenants sealed again with key ${result.activeKey}; every tenant is on it now\n`,
      );
    } finally {
      await opened.close();
    }
  });
}

/** The tenant registry on the configured store (and mapsync.yaml, when there is one). */
async function openTenants(deps: CliDeps, options: Common) {
  const { loadConfig, DEFAULT_STORE } = await import('../../config/load-config.ts');
  const { configPathOf } = await import('../../compose.ts');
  const { openStore } = await import('../../store/open-store.ts');
  const { TenantRegistry } = await import('../../tenants/tenant-registry.ts');
  const { KeyRing } = await import('../../tenants/sealing.ts');
  const { ConfigError } = await import('../../errors.ts');
  const { formatDiagnostic } = await import('../../diagnostics/diagnostic.ts');
  const configPath = configPathOf(deps.cwd, deps.env, options.config);
  let config: ProjectConfig | undefined;
  if (options.config !== undefined || existsSync(configPath)) {
    const loaded = await loadConfig(configPath, {
      env: deps.env,
      requireEnv: false,
      registry: await registryOf(deps),
    });
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || !loaded.config) {
      throw new ConfigError(
        'CFG_INVALID',
        `mapsync.yaml has errors:\n${errors.map(formatDiagnostic).join('\n')}`,
      );
    }
    config = loaded.config;
  }
  const uri = options.store ?? deps.env.MAPSYNC_STORE ?? config?.store ?? DEFAULT_STORE;
  const store = openStore(uri, config?.dir ?? deps.cwd);
  const tenants = new TenantRegistry({
    store,
    registry: await registryOf(deps),
    keyRing: () => KeyRing.parse(deps.env.MAPSYNC_MASTER_KEY),
    now: deps.now,
  });
  return { config, tenants, close: () => store.close() };
}
