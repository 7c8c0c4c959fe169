/**
 * What `mapsync playground` does once it runs (loaded only then): find the project's
 * mappings as `validate` does, optionally connect to the systems for live records, serve
 * until SIGINT/SIGTERM.
 */

import { randomBytes } from 'node:crypto';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { ConfigError } from '../errors.ts';
import type { FetchRecord } from '../playground/evaluate.ts';
import { type CliDeps, registryOf } from './deps.ts';
import { EXIT_CONFIG } from './exit-codes.ts';
import { openWorkspace } from './workspace.ts';

export interface PlaygroundRunOptions {
  port: number;
  config?: string;
  connect?: boolean;
}

export async function runPlayground(deps: CliDeps, options: PlaygroundRunOptions): Promise<void> {
  const registry = await registryOf(deps);
  const workspace = await openWorkspace(deps, [], options.config);
  const { createLogger } = await import('../observability/logger.ts');
  const logger = createLogger({ level: 'warn' });
  const closers: Array<() => Promise<void>> = [];
  let fetchRecord: FetchRecord | undefined;
  if (options.connect) {
    const connected = await connect(deps, options.config, registry);
    if (!connected) return;
    fetchRecord = connected.fetchRecord;
    closers.push(connected.close);
  }
  const { startPlaygroundServer } = await import('../playground/server.ts');
  // A session token in the printed address keeps other local users and processes out.
  const token = randomBytes(18).toString('base64url');
  const server = await startPlaygroundServer({
    workspace: {
      root: deps.cwd,
      paths: workspace.paths,
      registry,
      schemasDir: workspace.schemasDir,
      ...(workspace.config ? { systems: workspace.config.systems } : {}),
    },
    host: '127.0.0.1',
    port: options.port,
    logger,
    token,
    ...(fetchRecord ? { fetchRecord } : {}),
  });
  deps.out(`mapsync playground: ${server.url}/playground#token=${token}\n`);
  deps.err(
    `mapsync playground: ${fetchRecord ? 'connected (records by id, read-only)' : 'not connected'}; Ctrl-C stops it\n`,
  );
  await untilSignal();
  await server.close();
  for (const close of closers) await close();
  deps.setExitCode(0);
}

/** Connectors of mapsync.yaml's systems, for `get` only; diagnostics and exit 2 when unusable. */
async function connect(
  deps: CliDeps,
  config: string | undefined,
  registry: ConnectorRegistry,
): Promise<{ fetchRecord: FetchRecord; close(): Promise<void> } | undefined> {
  const { loadProject } = await import('../mapping/project.ts');
  const { hasErrors } = await import('../diagnostics/diagnostic.ts');
  const project = await loadProject({
    configPath: config ?? 'mapsync.yaml',
    cwd: deps.cwd,
    env: deps.env,
    requireEnv: true,
    registry,
  });
  if (!project.config || hasErrors(project.diagnostics)) {
    const { printDiagnostics, summary } = await import('./print.ts');
    printDiagnostics(deps, project.diagnostics, false);
    deps.err(`mapsync playground: cannot connect: ${summary(project.diagnostics)}\n`);
    deps.setExitCode(EXIT_CONFIG);
    return undefined;
  }
  const { createLogger } = await import('../observability/logger.ts');
  const { createRuntime } = await import('../runtime.ts');
  const { buildConnectors } = await import('../compose.ts');
  const logger = createLogger({ level: 'warn', secrets: project.config.secrets });
  const connectors = await buildConnectors(project.config.systems, registry, createRuntime({ logger }));
  return {
    fetchRecord: async (system, entity, id) => {
      const connector = connectors.get(system);
      if (!connector) throw new ConfigError('CFG_UNKNOWN_SYSTEM', `no system "${system}"`);
      return connector.get(entity, id);
    },
    close: async () => {
      await Promise.allSettled([...connectors.values()].map((c) => c.close()));
    },
  };
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
