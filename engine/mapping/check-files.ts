/**
 * What `mapsync validate` and `mapsync test` share: load every mapping under the given
 * paths and every mapping test beside them, with all diagnostics of both.
 */
import { CascadeFold } from '../diagnostics/cascade.ts';
import { type Diagnostic, sortDiagnostics } from '../diagnostics/diagnostic.ts';
import { DocumentSchemas } from '../yaml/document-schemas.ts';
import { findYamlFiles } from '../yaml/find-files.ts';
import type { MappingUnit } from './compile.ts';
import { type LoadMappingsOptions, loadMappings } from './load.ts';
import type { CompiledMapping } from './model.ts';
import { loadTestFiles, type MappingTestFile } from './testing/load-tests.ts';

export interface CheckedFiles {
  mappings: CompiledMapping[];
  units: MappingUnit[];
  tests: MappingTestFile[];
  diagnostics: Diagnostic[];
}

export async function checkFiles(
  paths: readonly string[],
  options: LoadMappingsOptions,
): Promise<CheckedFiles> {
  const cwd = options.cwd ?? process.cwd();
  // Errors that only follow from a mapping file that did not load become one note on it.
  const cascade = new CascadeFold();
  const loaded = await loadMappings(paths, { ...options, cwd, cascade });
  const found = await findYamlFiles(paths, cwd);
  const tests = await loadTestFiles(found.tests, {
    documents: new DocumentSchemas(options.schemasDir),
    cwd,
    mappings: new Map(loaded.mappings.map((m) => [m.name, m])),
    names: new Set(loaded.units.map((u) => u.name)),
    cascade,
    ...(options.sources ? { sources: options.sources } : {}),
  });
  const diagnostics = [...loaded.diagnostics, ...tests.diagnostics];
  return {
    mappings: loaded.mappings,
    units: loaded.units,
    tests: tests.files,
    diagnostics: sortDiagnostics([...diagnostics, ...cascade.notes(diagnostics)]),
  };
}
