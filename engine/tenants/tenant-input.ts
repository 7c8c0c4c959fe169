/**
 * What makes a tenant definition acceptable, in one place for every front end: the CLI's
 * tenant file (YAML, problems located at line:col, `parseTenantFile`) and the admin API's
 * JSON body (problems with their JSON path, `checkTenantInput`).
 *
 * Each system is checked by its own connector (the same option checks that run when the
 * connector is built for real) and against the fleet's mapsync.yaml: a tenant has exactly
 * the systems the shared mappings use, with the same connector kinds.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isScalar } from 'yaml';
import { interpolate } from '../config/interpolate.ts';
import type { SystemConfig } from '../config/load-config.ts';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { type Diagnostic, sortDiagnostics } from '../diagnostics/diagnostic.ts';
import { didYouMean } from '../diagnostics/did-you-mean.ts';
import { MapsyncError } from '../errors.ts';
import { DocumentSchemas } from '../yaml/document-schemas.ts';
import { findNode, locate } from '../yaml/locate.ts';
import { parseYaml } from '../yaml/parse-source.ts';
import { checkSchema } from '../yaml/schema-check.ts';

export interface TenantInput {
  name?: string;
  /** The tenant's own mappings folder (relative to mapsync.yaml); default the shared one. */
  mappings?: string;
  systems: Record<string, SystemConfig>;
}

export interface TenantProblem {
  /** Where in the definition: `['systems', 'woocommerce', 'url']`. */
  path: Array<string | number>;
  code: string;
  message: string;
}

export interface CheckContext {
  registry: ConnectorRegistry;
  /** The fleet's systems (mapsync.yaml); when given, the tenant must match them. */
  shared?: Record<string, SystemConfig>;
  /** mapsync.yaml's folder: a tenant's own `mappings` folder must exist under it. */
  configDir?: string;
}

/** Every problem of a tenant's systems (empty when it is fine). */
export function checkTenantInput(input: TenantInput, context: CheckContext): TenantProblem[] {
  const problems: TenantProblem[] = [];
  for (const [name, system] of Object.entries(input.systems)) {
    const factory = context.registry.get(system.connector);
    if (!factory) {
      const kinds = context.registry.kinds();
      problems.push({
        path: ['systems', name, 'connector'],
        code: 'TENANT_UNKNOWN_CONNECTOR',
        message: `unknown connector kind "${system.connector}"${didYouMean(system.connector, kinds)}; registered: ${kinds.join(', ')}`,
      });
      continue;
    }
    try {
      // The connector's own option checks (the reader `create` runs), without building one.
      factory.readOptions(system);
    } catch (error) {
      if (!(error instanceof MapsyncError)) throw error;
      problems.push({ path: ['systems', name], code: 'TENANT_SYSTEM_INVALID', message: error.message });
    }
  }
  if (input.mappings !== undefined && context.configDir !== undefined) {
    const dir = resolve(context.configDir, input.mappings);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      problems.push({
        path: ['mappings'],
        code: 'TENANT_MAPPINGS_MISSING',
        message: `mappings folder "${input.mappings}" does not exist (relative to mapsync.yaml's folder)`,
      });
    }
  }
  if (context.shared) {
    for (const [name, shared] of Object.entries(context.shared)) {
      const own = input.systems[name];
      if (!own) {
        problems.push({
          path: ['systems'],
          code: 'TENANT_SYSTEM_MISSING',
          message: `system "${name}" (${shared.connector}) is used by the fleet's mappings: the tenant needs its own`,
        });
      } else if (own.connector !== shared.connector && context.registry.get(own.connector)) {
        problems.push({
          path: ['systems', name, 'connector'],
          code: 'TENANT_SYSTEM_KIND',
          message: `system "${name}" is a ${shared.connector} in mapsync.yaml, not a ${own.connector}`,
        });
      }
    }
    for (const name of Object.keys(input.systems)) {
      if (!context.shared[name]) {
        problems.push({
          path: ['systems', name],
          code: 'TENANT_SYSTEM_UNKNOWN',
          message: `system "${name}" is not in mapsync.yaml${didYouMean(name, Object.keys(context.shared))}`,
        });
      }
    }
  }
  return problems;
}

export interface ParseTenantOptions extends CheckContext {
  env: Readonly<Record<string, string | undefined>>;
  schemasDir: string;
}

/**
 * A tenant file (schemas/tenant.schema.json) → the input, or every problem at once as
 * `file:line:col` diagnostics. `${VAR}` references are filled from `env`.
 */
export async function parseTenantFile(
  text: string,
  file: string,
  options: ParseTenantOptions,
): Promise<{ input?: TenantInput; diagnostics: Diagnostic[] }> {
  const parsed = parseYaml(text, file);
  const diagnostics = [...parsed.diagnostics];
  if (parsed.value === undefined || diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const validate = await new DocumentSchemas(options.schemasDir).validator('tenant');
  diagnostics.push(...checkSchema(parsed.source, parsed.value, validate, 'TENANT'));
  if (diagnostics.length > 0) return { diagnostics: sortDiagnostics(diagnostics) };
  const raw = parsed.value as {
    name?: string;
    mappings?: string;
    systems: Record<string, Record<string, unknown>>;
  };
  const at = (path: Array<string | number>, code: string, message: string): Diagnostic => {
    const { line, col } = locate(parsed.source, path, path.length === 2 ? 'key' : 'value');
    return { file, line, col, severity: 'error', code, message };
  };
  const systems: Record<string, SystemConfig> = {};
  for (const [name, rawSystem] of Object.entries(raw.systems)) {
    const system: SystemConfig = { connector: String(rawSystem.connector) };
    for (const [key, value] of Object.entries(rawSystem)) {
      if (key === 'connector') continue;
      if (typeof value !== 'string') {
        system[key] = value;
        continue;
      }
      const result = interpolate(value, options.env);
      for (const problem of result.problems)
        diagnostics.push(at(['systems', name, key], 'TENANT_BAD_INTERPOLATION', problem));
      for (const missing of result.missing) {
        diagnostics.push(
          at(['systems', name, key], 'TENANT_MISSING_ENV', `environment variable ${missing} is not set`),
        );
      }
      // Numbers and flags from the environment arrive as text, as in mapsync.yaml.
      const fromEnv =
        result.used.length > 0 && isScalar(findNode(parsed.source, ['systems', name, key]).node);
      system[key] =
        fromEnv && /^-?\d+(\.\d+)?$/.test(result.value)
          ? Number(result.value)
          : fromEnv && (result.value === 'true' || result.value === 'false')
            ? result.value === 'true'
            : result.value;
    }
    systems[name] = system;
  }
  const input: TenantInput = {
    ...(raw.name !== undefined ? { name: raw.name } : {}),
    ...(raw.mappings !== undefined ? { mappings: raw.mappings } : {}),
    systems,
  };
  if (diagnostics.length === 0) {
    for (const p of checkTenantInput(input, options)) diagnostics.push(at(p.path, p.code, p.message));
  }
  return diagnostics.length > 0 ? { diagnostics: sortDiagnostics(diagnostics) } : { input, diagnostics: [] };
}
