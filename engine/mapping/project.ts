/**
 * `loadProject`: mapsync.yaml and its mappings in one call, for every command and the
 * service. Returns the systems, the compiled mappings in dependency order and all
 * diagnostics of both; `assertUsable` turns errors into one ConfigError for the commands
 * that must not start with a broken setup (sync, serve).
 */
import { relative, resolve } from 'node:path';
import {
  type LoadConfigOptions,
  loadConfig,
  type ProjectConfig,
  type SystemConfig,
} from '../config/load-config.ts';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { type Diagnostic, formatDiagnostic, hasErrors, sortDiagnostics } from '../diagnostics/diagnostic.ts';
import { ConfigError } from '../errors.ts';
import { DEFAULT_SCHEMAS_DIR } from '../yaml/document-schemas.ts';
import type { MappingUnit } from './compile.ts';
import type { ExpressionLimits } from './expression.ts';
import { loadMappings } from './load.ts';
import type { CompiledMapping } from './model.ts';

export { DEFAULT_SCHEMAS_DIR };

export interface LoadProjectOptions {
  /** Path of mapsync.yaml. */
  configPath: string;
  env: LoadConfigOptions['env'];
  requireEnv: boolean;
  registry: ConnectorRegistry;
  schemasDir?: string;
  /** Directory paths are shown relative to (default: the process's). */
  cwd?: string;
  limits?: Partial<ExpressionLimits>;
}

export interface Project {
  config?: ProjectConfig;
  systems: Record<string, SystemConfig>;
  /** Each mapping after the ones it depends on. */
  mappings: CompiledMapping[];
  units: MappingUnit[];
  diagnostics: Diagnostic[];
}

export async function loadProject(options: LoadProjectOptions): Promise<Project> {
  const cwd = options.cwd ?? process.cwd();
  const schemasDir = options.schemasDir ?? DEFAULT_SCHEMAS_DIR;
  const configPath = resolve(cwd, options.configPath);
  const { config, diagnostics } = await loadConfig(configPath, {
    env: options.env,
    requireEnv: options.requireEnv,
    registry: options.registry,
    schemasDir,
    displayPath: options.configPath,
  });
  if (!config) return { systems: {}, mappings: [], units: [], diagnostics };
  const mappingsPath = relative(cwd, config.mappingsDir) || '.';
  const loaded = await loadMappings([mappingsPath], {
    registry: options.registry,
    schemasDir,
    systems: config.systems,
    cwd,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return {
    config,
    systems: config.systems,
    mappings: loaded.mappings,
    units: loaded.units,
    diagnostics: sortDiagnostics([...diagnostics, ...loaded.diagnostics]),
  };
}

/** Throw one ConfigError listing every error (warnings are not fatal). */
export function assertUsable(project: Project): void {
  if (!hasErrors(project.diagnostics)) return;
  const errors = project.diagnostics.filter((d) => d.severity === 'error');
  throw new ConfigError(
    'CFG_INVALID_PROJECT',
    `the configuration has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map(formatDiagnostic).join('\n')}`,
  );
}
