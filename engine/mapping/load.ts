/**
 * `loadMappings`: read, parse, schema-check and compile every mapping file given, then check
 * them against each other. Returns the compiled mappings in dependency order and every
 * diagnostic of every file, sorted. Nothing here throws for a bad file: the sync engine,
 * `mapsync validate` and `mapsync test` all rely on getting the complete list of problems.
 */
import { resolve } from 'node:path';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { CascadeFold } from '../diagnostics/cascade.ts';
import { type Diagnostic, sortDiagnostics } from '../diagnostics/diagnostic.ts';
import { DocumentSchemas } from '../yaml/document-schemas.ts';
import { findPlainScalarHazards } from '../yaml/expression-hazards.ts';
import { findYamlFiles } from '../yaml/find-files.ts';
import { parseYaml } from '../yaml/parse-source.ts';
import { readSourceOr, type SourceOverrides } from '../yaml/read-source.ts';
import { checkSchema } from '../yaml/schema-check.ts';
import { type CompileEnvironment, compileMapping, type MappingUnit, mappingNameOf } from './compile.ts';
import { crossCheck } from './cross-checks.ts';
import { dependencyOrder } from './dependency-order.ts';
import { EntitySchemas } from './entity-schema.ts';
import { DEFAULT_LIMITS, type ExpressionLimits } from './expression.ts';
import type { CompiledMapping } from './model.ts';

/** Keys whose values are JSONata expressions (for the plain-scalar hazard lint). */
export const EXPRESSION_KEYS = [
  'to_target',
  'to_source',
  'when',
  'locked_when',
  'each',
  'key',
  'report',
] as const;

export interface LoadMappingsOptions {
  registry: ConnectorRegistry;
  /** Folder holding mapping.schema.json and the entity schemas (`woocommerce/…`). */
  schemasDir: string;
  /**
   * Systems from mapsync.yaml (name → options with `connector`). Absent: every registered
   * connector kind is a system of the same name.
   */
  systems?: Readonly<Record<string, { connector: string }>>;
  /** Directory relative paths are resolved against (default: the process's). */
  cwd?: string;
  limits?: Partial<ExpressionLimits>;
  /**
   * Where references to files that did not load are folded. Given by a caller that checks
   * more files afterwards (mapping tests), which then adds `cascade.notes()` itself; when
   * absent the notes are part of the result's diagnostics.
   */
  cascade?: CascadeFold;
  /**
   * Texts (by absolute path) to check instead of those files' contents: the playground's
   * unsaved edits, checked exactly as `validate` checks the files.
   */
  sources?: SourceOverrides;
}

export interface LoadMappingsResult {
  /** Compiled mappings, each after the mappings it depends on. Empty entries are left out. */
  mappings: CompiledMapping[];
  diagnostics: Diagnostic[];
  /** Per-file details (sources, references) for tools such as the docs generator. */
  units: MappingUnit[];
}

/** YAML problems after which the document is not what the author wrote: compile nothing. */
const FATAL_YAML = (d: Diagnostic): boolean =>
  d.code === 'YAML_SYNTAX' || d.code === 'YAML_MULTIPLE_DOCUMENTS' || d.code === 'YAML_TAB';

export async function loadMappings(
  paths: readonly string[],
  options: LoadMappingsOptions,
): Promise<LoadMappingsResult> {
  const cwd = options.cwd ?? process.cwd();
  const found = await findYamlFiles(paths, cwd);
  const diagnostics: Diagnostic[] = [...found.diagnostics];
  const documents = new DocumentSchemas(options.schemasDir);
  const validate = await documents.validator('mapping');
  const systems = new Map(
    options.systems
      ? Object.entries(options.systems).map(([name, system]) => [name, system.connector] as const)
      : options.registry.kinds().map((kind) => [kind, kind] as const),
  );
  const env: CompileEnvironment = {
    registry: options.registry,
    systems,
    schemas: new EntitySchemas(options.schemasDir),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
  const cascade = options.cascade ?? new CascadeFold();
  const units: MappingUnit[] = [];
  for (const file of found.mappings) {
    const text = await readSourceOr(options.sources, resolve(cwd, file), file);
    if (!text.ok) {
      diagnostics.push(text.diagnostic);
      cascade.markBroken(mappingNameOf(file), file);
      continue;
    }
    const parsed = parseYaml(text.text, file);
    const hazards = findPlainScalarHazards(text.text, file, EXPRESSION_KEYS);
    const hazardLines = new Set(hazards.map((h) => h.line));
    // A hazard explains the YAML error it causes on its line better than the parser does.
    diagnostics.push(
      ...hazards,
      ...onePerPosition(parsed.diagnostics).filter((d) => !(FATAL_YAML(d) && hazardLines.has(d.line))),
    );
    const fatal = parsed.diagnostics.some(FATAL_YAML);
    if (parsed.value === undefined || fatal) {
      if (parsed.value !== undefined || fatal) units.push(emptyUnit(parsed.source));
      cascade.markBroken(mappingNameOf(file), file);
      continue;
    }
    diagnostics.push(...checkSchema(parsed.source, parsed.value, validate, 'MAP'));
    const unit = await compileMapping(parsed.source, parsed.value, env);
    diagnostics.push(...unit.diagnostics);
    units.push(unit);
  }
  diagnostics.push(...crossCheck(units, cascade));
  if (!options.cascade) diagnostics.push(...cascade.notes(diagnostics));
  const byName = new Map(units.filter((u) => u.compiled).map((u) => [u.name, u.compiled!] as const));
  // By name, so the order does not depend on the order of the files.
  const edges = new Map(
    [...byName.keys()].sort().map((name) => {
      const unit = units.find((u) => u.name === name)!;
      return [name, unit.references.map((r) => r.mapping).sort()] as const;
    }),
  );
  const mappings = dependencyOrder(edges).map((name) => byName.get(name)!);
  return { mappings, diagnostics: sortDiagnostics(dedupe(diagnostics)), units };
}

function emptyUnit(source: MappingUnit['source']): MappingUnit {
  return {
    file: source.file,
    source,
    name: mappingNameOf(source.file),
    references: [],
    targetWrites: [],
    diagnostics: [],
  };
}

/**
 * The YAML parser often describes one mistake twice at the same spot ("Nested mappings are
 * not allowed…" and "Implicit keys need to be on a single line…"): keep the first.
 */
function onePerPosition(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    if (d.code !== 'YAML_SYNTAX') return true;
    const key = `${d.line}:${d.col}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
