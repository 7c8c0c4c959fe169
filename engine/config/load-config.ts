/**
 * Loads mapsync.yaml: schema check (CFG_ codes), connector kinds against the registry,
 * secrets only from the environment, then `${VAR}` interpolation. `validate`, `test` and
 * `docs` load it with `requireEnv: false` (no credentials needed to check mappings);
 * `sync` and `serve` with `requireEnv: true`, which reports every missing variable at once.
 */
import { dirname, resolve } from 'node:path';
import { isScalar } from 'yaml';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { type Diagnostic, sortDiagnostics } from '../diagnostics/diagnostic.ts';
import { didYouMean } from '../diagnostics/did-you-mean.ts';
import { DEFAULT_SCHEMAS_DIR, DocumentSchemas } from '../yaml/document-schemas.ts';
import { findNode, locate } from '../yaml/locate.ts';
import { parseYaml, type YamlSource } from '../yaml/parse-source.ts';
import { readSource } from '../yaml/read-source.ts';
import { checkSchema } from '../yaml/schema-check.ts';
import { checkAlertsSection } from './alerts-section.ts';
import { interpolate, isPlainReference } from './interpolate.ts';

export interface SystemConfig {
  /** Connector kind. */
  connector: string;
  /** The kind's options, interpolated. */
  [option: string]: unknown;
}

export interface ProjectConfig {
  /** The config file as given. */
  file: string;
  /** Absolute folder of the config file; relative paths in it are relative to this. */
  dir: string;
  systems: Record<string, SystemConfig>;
  /** Link store URL (interpolated), e.g. `sqlite://data/mapsync.sqlite`. */
  store: string;
  /** Mappings folder, absolute. */
  mappingsDir: string;
  /** Interpolated secret values, for scrubbing logs. */
  secrets: string[];
  /** Other top-level sections (`service`, …), interpolated, for the components that own them. */
  sections: Record<string, unknown>;
}

export interface LoadConfigOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Report unset variables as errors (sync, serve); validate/test/docs do not need them. */
  requireEnv: boolean;
  registry: ConnectorRegistry;
  /** Folder of the JSON Schemas (default: the shipped `schemas/`). */
  schemasDir?: string;
  /** How to name the file in diagnostics (default: the path). */
  displayPath?: string;
}

export const DEFAULT_STORE = 'sqlite://data/mapsync.sqlite';

export async function loadConfig(
  path: string,
  options: LoadConfigOptions,
): Promise<{ config?: ProjectConfig; diagnostics: Diagnostic[] }> {
  const file = options.displayPath ?? path;
  const text = await readSource(path, file);
  if (!text.ok) return { diagnostics: [text.diagnostic] };
  const parsed = parseYaml(text.text, file);
  const diagnostics = [...parsed.diagnostics];
  if (parsed.value === undefined) return { diagnostics };
  const validate = await new DocumentSchemas(options.schemasDir ?? DEFAULT_SCHEMAS_DIR).validator('mapsync');
  diagnostics.push(...checkSchema(parsed.source, parsed.value, validate, 'CFG'));
  const raw = (parsed.value ?? {}) as Record<string, unknown>;
  const secrets: string[] = [];
  const systems: Record<string, SystemConfig> = {};
  const rawSystems = isObject(raw.systems) ? raw.systems : {};
  for (const [name, rawSystem] of Object.entries(rawSystems)) {
    if (!isObject(rawSystem) || typeof rawSystem.connector !== 'string') continue;
    const factory = options.registry.get(rawSystem.connector);
    if (!factory) {
      diagnostics.push(
        at(
          parsed.source,
          ['systems', name, 'connector'],
          'CFG_UNKNOWN_CONNECTOR',
          `unknown connector kind "${rawSystem.connector}"${didYouMean(rawSystem.connector, options.registry.kinds())}; registered: ${options.registry.kinds().join(', ') || '(none)'}`,
        ),
      );
    }
    for (const problem of factory?.spec.fileChecks?.(rawSystem) ?? []) {
      diagnostics.push(at(parsed.source, ['systems', name, ...problem.path], problem.code, problem.message));
    }
    const system: SystemConfig = { connector: rawSystem.connector };
    for (const [key, value] of Object.entries(rawSystem)) {
      if (key === 'connector') continue;
      const isSecret = factory?.secretKeys.includes(key) ?? false;
      if (isSecret && !(typeof value === 'string' && isPlainReference(value))) {
        diagnostics.push(
          at(
            parsed.source,
            ['systems', name, key],
            'CFG_SECRET_LITERAL',
            `"${key}" is a secret: write \${VARIABLE} (no default) and set the variable in the environment`,
          ),
        );
        continue;
      }
      const resolved = resolveValue(
        parsed.source,
        ['systems', name, key],
        value,
        options,
        diagnostics,
        !isSecret,
      );
      if (isSecret && typeof resolved === 'string' && resolved !== '') secrets.push(resolved);
      system[key] = resolved;
    }
    systems[name] = system;
  }
  const dir = dirname(resolve(path));
  const store = resolveValue(
    parsed.source,
    ['store'],
    raw.store ?? DEFAULT_STORE,
    options,
    diagnostics,
    false,
  );
  const mappings = resolveValue(
    parsed.source,
    ['mappings'],
    raw.mappings ?? 'mappings',
    options,
    diagnostics,
    false,
  );
  const sections: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (['version', 'systems', 'store', 'mappings'].includes(key)) continue;
    sections[key] = resolveDeep(parsed.source, [key], value, options, diagnostics);
  }
  const alerts = checkAlertsSection(parsed.source, raw.alerts, options.env);
  diagnostics.push(...alerts.diagnostics);
  secrets.push(...alerts.secrets);
  const config: ProjectConfig = {
    file,
    dir,
    systems,
    store: String(store),
    mappingsDir: resolve(dir, String(mappings)),
    secrets,
    sections,
  };
  return { config, diagnostics: sortDiagnostics(diagnostics) };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function at(source: YamlSource, path: (string | number)[], code: string, message: string): Diagnostic {
  const { line, col } = locate(source, path);
  return { file: source.file, line, col, severity: 'error', code, message };
}

/** Interpolate every string inside a value (objects and arrays walked). */
function resolveDeep(
  source: YamlSource,
  path: (string | number)[],
  value: unknown,
  options: LoadConfigOptions,
  diagnostics: Diagnostic[],
): unknown {
  if (Array.isArray(value))
    return value.map((item, i) => resolveDeep(source, [...path, i], item, options, diagnostics));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveDeep(source, [...path, k], v, options, diagnostics)]),
    );
  }
  return resolveValue(source, path, value, options, diagnostics, true);
}

/**
 * Interpolate a string value (other values pass through). With `convert`, a value that came
 * from the environment and reads as a number or boolean becomes one (`${TIMEOUT_MS}`).
 */
function resolveValue(
  source: YamlSource,
  path: (string | number)[],
  value: unknown,
  options: LoadConfigOptions,
  diagnostics: Diagnostic[],
  convert: boolean,
): unknown {
  if (typeof value !== 'string') return value;
  const result = interpolate(value, options.env);
  for (const problem of result.problems) diagnostics.push(at(source, path, 'CFG_BAD_INTERPOLATION', problem));
  if (options.requireEnv) {
    for (const name of result.missing) {
      diagnostics.push(at(source, path, 'CFG_MISSING_ENV', `environment variable ${name} is not set`));
    }
  }
  const node = findNode(source, path).node;
  const fromEnv = result.used.length > 0 && isScalar(node);
  if (convert && fromEnv) {
    if (/^-?\d+(\.\d+)?$/.test(result.value)) return Number(result.value);
    if (result.value === 'true' || result.value === 'false') return result.value === 'true';
  }
  return result.value;
}
