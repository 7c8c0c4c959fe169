/**
 * `mapsync serve --sandbox`: a dev sandbox (sandbox/start-all.ts) for every connector kind
 * the project's systems use that has one, in this process, seeded, with fresh random keys;
 * every system of such a kind pointed at its sandbox; and, once the service listens, each
 * sandbox wired to it (the shop registers its webhooks). Which sandboxes exist and how to
 * reach them comes from the connector specs, never from a switch on the kind here. Data
 * lives in memory unless `keepData`, which persists the sandboxes and the link store under
 * `dataDir` so that a restart continues where it stopped.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { persistFileOf, type Sandboxes, sandboxKinds, startAllSandboxes } from '../../sandbox/start-all.ts';
import type { SystemConfig } from '../config/load-config.ts';
import type { ConnectorRegistry } from '../connectors/registry.ts';

export interface SandboxModeOptions {
  /** Size of the demo data (each kind says what it generates). */
  seed: number;
  keepData: boolean;
  /** Folder for the store and, with `keepData`, the sandboxes' state. */
  dataDir: string;
}

export interface RunningSandboxes {
  readonly sandboxes: Sandboxes;
  /** Link store URI for this mode (fresh unless `keepData`). */
  readonly store: string;
  /** Point every system of a sandboxed kind at its sandbox; returns the secrets it set. */
  pointSystems(systems: Record<string, SystemConfig>): string[];
  /** Wire each sandbox to the listening service, once per system of its kind. */
  connectService(serviceUrl: string, systems: Record<string, SystemConfig>): Promise<void>;
  /** Addresses for the status page (no secrets). */
  info(): Record<string, string>;
  close(): Promise<void>;
}

export async function startSandboxes(
  registry: ConnectorRegistry,
  systems: Record<string, SystemConfig>,
  options: SandboxModeOptions,
): Promise<RunningSandboxes> {
  mkdirSync(options.dataDir, { recursive: true });
  const used = new Set(Object.values(systems).map((s) => s.connector));
  const kinds = sandboxKinds(registry).filter((kind) => used.has(kind));
  const storeFile = join(options.dataDir, 'sandbox.sqlite');
  if (!options.keepData) {
    const files = [...kinds.map((kind) => persistFileOf(options.dataDir, kind)), storeFile];
    for (const file of [...files, `${storeFile}-wal`, `${storeFile}-shm`]) rmSync(file, { force: true });
  }
  const sandboxes = await startAllSandboxes(registry, {
    seed: options.seed,
    kinds,
    randomCredentials: true,
    ...(options.keepData ? { persistDir: options.dataDir } : {}),
  });
  const sandboxOf = (system: SystemConfig) => sandboxes.byKind.get(system.connector);
  return {
    sandboxes,
    store: `sqlite://${storeFile}`,
    pointSystems(projectSystems) {
      const secrets: string[] = [];
      for (const system of Object.values(projectSystems)) {
        const sandbox = sandboxOf(system);
        if (!sandbox) continue;
        Object.assign(system, sandbox.config);
        secrets.push(...sandbox.secrets);
      }
      return secrets;
    },
    async connectService(serviceUrl, projectSystems) {
      for (const [name, system] of Object.entries(projectSystems)) {
        await sandboxOf(system)?.connectService?.(serviceUrl, name);
      }
    },
    info: () => Object.assign({}, ...[...sandboxes.byKind.values()].map((s) => s.addresses)),
    close: () => sandboxes.close(),
  };
}

/** What `serve --sandbox` prints so that a person can make an edit and watch it travel. */
export function sandboxBanner(
  s: RunningSandboxes,
  serviceUrl: string,
  adminToken: string | undefined,
): string {
  return [
    '',
    `status page     ${serviceUrl}/${adminToken ? `#token=${adminToken}` : ''}`,
    `playground      ${serviceUrl}/playground${adminToken ? `#token=${adminToken}` : ''}`,
    ...(adminToken ? [`admin token     ${adminToken}`] : []),
    '',
    'sandboxes (in this process; gone when the service stops):',
    ...[...s.sandboxes.byKind.values()].flatMap((sandbox) => sandbox.describe()),
    '',
  ].join('\n');
}
