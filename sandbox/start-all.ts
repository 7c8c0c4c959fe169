/**
 * The dev sandboxes of every registered connector kind that has one (`mapsync sandbox`,
 * `serve --sandbox`, tests): each kind's capability is loaded lazily from its spec and
 * started on loopback, with what a mapsync.yaml needs to reach it. Nothing here knows a
 * kind: a new kind with a `devSandbox` is started by registering it.
 */
import { join } from 'node:path';
import type { ConnectorRegistry } from '../engine/connectors/registry.ts';
import type { DevSandboxOptions, RunningDevSandbox } from '../engine/connectors/spec.ts';

export interface StartAllOptions {
  /** Size of the generated data (each kind says what it generates); 0 = empty. */
  seed?: number;
  /** Server-side request limit for kinds whose real system has one; false = none. */
  rateLimit?: number | false;
  /** Port per kind (default: any free port). */
  ports?: Readonly<Record<string, number>>;
  host?: string;
  /** Only these kinds (default: every kind with a sandbox). */
  kinds?: readonly string[];
  /** Keep each sandbox's state in `<dir>/sandbox-<kind>.json` across restarts. */
  persistDir?: string;
  randomCredentials?: boolean;
}

export interface Sandboxes {
  /** The running sandboxes by kind, in registry order. */
  readonly byKind: ReadonlyMap<string, RunningDevSandbox>;
  /** `NAME=value` lines of every sandbox (the shipped mapsync.yaml's variables). */
  env(): string[];
  /** `mapsync sandbox --json`: connection details by kind. */
  connection(): Record<string, Readonly<Record<string, string>>>;
  close(): Promise<void>;
}

/** Kinds of the registry that ship a dev sandbox. */
export function sandboxKinds(registry: ConnectorRegistry): string[] {
  return registry
    .all()
    .filter((k) => k.spec.devSandbox)
    .map((k) => k.kind);
}

/** File a kind's sandbox keeps its state in under `dir`. */
export const persistFileOf = (dir: string, kind: string) => join(dir, `sandbox-${kind}.json`);

export async function startAllSandboxes(
  registry: ConnectorRegistry,
  options: StartAllOptions = {},
): Promise<Sandboxes> {
  const byKind = new Map<string, RunningDevSandbox>();
  const close = async () => {
    await Promise.allSettled([...byKind.values()].map((s) => s.close()));
  };
  try {
    for (const kind of options.kinds ?? sandboxKinds(registry)) {
      const load = registry.get(kind)?.spec.devSandbox;
      if (!load) throw new Error(`connector kind "${kind}" has no sandbox`);
      const port = options.ports?.[kind];
      const start: DevSandboxOptions = {
        seed: options.seed ?? 0,
        ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(options.host ? { host: options.host } : {}),
        ...(options.persistDir ? { persistFile: persistFileOf(options.persistDir, kind) } : {}),
        ...(options.randomCredentials ? { randomCredentials: true } : {}),
      };
      byKind.set(kind, await (await load()).start(start));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    byKind,
    env: () => [...byKind.values()].flatMap((s) => s.env),
    connection: () => Object.fromEntries([...byKind].map(([kind, s]) => [kind, s.connection])),
    close,
  };
}
