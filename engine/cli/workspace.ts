/**
 * How the file-checking commands find their inputs: mapsync.yaml (when present, or named by
 * --config) gives the systems and the default mappings folder; without it every registered
 * connector kind is a system of the same name and the folder is `mappings/`.
 */
import { existsSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { loadConfig, type ProjectConfig } from '../config/load-config.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { DEFAULT_SCHEMAS_DIR } from '../mapping/project.ts';
import { type CliDeps, registryOf } from './deps.ts';

export interface Workspace {
  config?: ProjectConfig;
  configDiagnostics: Diagnostic[];
  /** Mapping paths to check (as given, or the config's mappings folder). */
  paths: string[];
  schemasDir: string;
}

export const DEFAULT_CONFIG = 'mapsync.yaml';

export async function openWorkspace(
  deps: CliDeps,
  paths: readonly string[],
  configOption: string | undefined,
): Promise<Workspace> {
  const named = paths.find((p) => basename(p) === 'mapsync.yaml' || basename(p) === 'mapsync.yml');
  const mappingPaths = paths.filter((p) => p !== named);
  // MAPSYNC_CONFIG names the project as --config does, for every command (engine/compose.ts).
  const fromEnv = deps.env.MAPSYNC_CONFIG || undefined;
  const configPath = configOption ?? named ?? fromEnv ?? DEFAULT_CONFIG;
  const explicit = configOption !== undefined || named !== undefined || fromEnv !== undefined;
  const schemasDir = deps.schemasDir ?? DEFAULT_SCHEMAS_DIR;
  let config: ProjectConfig | undefined;
  let configDiagnostics: Diagnostic[] = [];
  if (explicit || existsSync(resolve(deps.cwd, configPath))) {
    const loaded = await loadConfig(resolve(deps.cwd, configPath), {
      env: deps.env,
      requireEnv: false,
      registry: await registryOf(deps),
      schemasDir,
      displayPath: configPath,
    });
    config = loaded.config;
    configDiagnostics = loaded.diagnostics;
  }
  const defaultPath = config ? relative(deps.cwd, config.mappingsDir) || '.' : 'mappings';
  return {
    ...(config ? { config } : {}),
    configDiagnostics,
    paths: mappingPaths.length > 0 ? mappingPaths : named && !configOption ? [] : [defaultPath],
    schemasDir,
  };
}
