/**
 * Reads `<mapping>.test.yaml` files: schema check (TEST_ codes, reported by line like every
 * other file), then the checks that need the mappings: the mapping under test and every
 * stubbed mapping exist, each case says exactly one of equals / contains / skipped, case
 * names are unique, and to-source cases only test mappings that flow back.
 */
import { basename, resolve } from 'node:path';
import type { CascadeFold } from '../../diagnostics/cascade.ts';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { didYouMean } from '../../diagnostics/did-you-mean.ts';
import type { DocumentSchemas } from '../../yaml/document-schemas.ts';
import { locate } from '../../yaml/locate.ts';
import { type Position, parseYaml, type YamlSource } from '../../yaml/parse-source.ts';
import { readSourceOr, type SourceOverrides } from '../../yaml/read-source.ts';
import { checkSchema } from '../../yaml/schema-check.ts';
import { arr, obj, str } from '../document.ts';
import type { FetchStub } from '../map-record.ts';
import type { CompiledMapping } from '../model.ts';

export type Expectation =
  | { kind: 'equals'; value: unknown }
  | { kind: 'contains'; value: unknown }
  | { kind: 'skipped' };

export interface MappingTestCase {
  name: string;
  direction: 'to-target' | 'to-source';
  input: Record<string, unknown>;
  /** mapping → key → linked id */
  links: Record<string, Record<string, unknown>>;
  variables: Record<string, unknown>;
  /** Stubbed `$fetch` answers. */
  fetched: FetchStub[];
  expect: Expectation;
  /** Where the case starts (its `name` key). */
  position: Position;
}

/**
 * A case of one of the mapping's `checks:` (`check: <name>`): the run settings and variables
 * it is given, and the mismatches (the check's messages) it must report; none: it passes.
 */
export interface CheckTestCase {
  name: string;
  check: string;
  variables: Record<string, unknown>;
  mismatches: string[];
  position: Position;
}

export interface MappingTestFile {
  file: string;
  mapping: string;
  cases: MappingTestCase[];
  /** Cases of the mapping's checks (kept apart: they map no record). */
  checkCases: CheckTestCase[];
}

export interface LoadTestsOptions {
  documents: DocumentSchemas;
  cwd: string;
  /** The mappings that loaded, by name (failed ones are absent). */
  mappings: ReadonlyMap<string, CompiledMapping>;
  /** Names of all mapping files, loaded or not, so a broken mapping is not "unknown". */
  names: ReadonlySet<string>;
  /** Mappings whose file did not load: references to them are folded here, not reported. */
  cascade?: CascadeFold;
  /** Texts (by absolute path) to check instead of those files' contents (the playground). */
  sources?: SourceOverrides;
}

const EXPECTATIONS = ['equals', 'contains', 'skipped'] as const;

export async function loadTestFiles(
  files: readonly string[],
  options: LoadTestsOptions,
): Promise<{ files: MappingTestFile[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const loaded: MappingTestFile[] = [];
  const validate = await options.documents.validator('mapping-test');
  for (const file of files) {
    const text = await readSourceOr(options.sources, resolve(options.cwd, file), file);
    if (!text.ok) {
      diagnostics.push(text.diagnostic);
      continue;
    }
    const parsed = parseYaml(text.text, file);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.value === undefined || parsed.diagnostics.some((d) => d.severity === 'error')) continue;
    const schemaProblems = checkSchema(parsed.source, parsed.value, validate, 'TEST');
    diagnostics.push(...schemaProblems);
    if (schemaProblems.length > 0) continue;
    const result = readTestFile(parsed.source, parsed.value as Record<string, unknown>, options);
    diagnostics.push(...result.diagnostics);
    if (result.file) loaded.push(result.file);
  }
  return { files: loaded, diagnostics };
}

function readTestFile(
  source: YamlSource,
  doc: Record<string, unknown>,
  options: LoadTestsOptions,
): { file?: MappingTestFile; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const report = (
    path: (string | number)[],
    code: string,
    message: string,
    at: 'key' | 'value' = 'value',
  ) => {
    const { line, col } = locate(source, path, at);
    diagnostics.push({ file: source.file, line, col, severity: 'error', code, message });
  };
  const mappingName = str(doc.mapping) ?? basename(source.file).replace(/\.test\.ya?ml$/i, '');
  const at = (path: (string | number)[], side: 'key' | 'value' = 'value') => ({
    file: source.file,
    ...locate(source, path, side),
  });
  if (options.cascade?.isBroken(mappingName)) {
    // Nothing of this file can be checked against a mapping that did not load.
    options.cascade.fold(mappingName, at(doc.mapping === undefined ? [] : ['mapping']));
    return { diagnostics };
  }
  if (!options.names.has(mappingName)) {
    report(
      doc.mapping === undefined ? [] : ['mapping'],
      'TEST_UNKNOWN_MAPPING',
      `no mapping "${mappingName}" to test${didYouMean(mappingName, options.names)}`,
    );
    return { diagnostics };
  }
  const mapping = options.mappings.get(mappingName);
  const cases: MappingTestCase[] = [];
  const checkCases: CheckTestCase[] = [];
  const names = new Map<string, number>();
  for (const [i, raw] of arr(doc.cases).entries()) {
    const c = obj(raw)!;
    const name = String(c.name);
    const previous = names.get(name);
    if (previous !== undefined) {
      report(
        ['cases', i, 'name'],
        'TEST_DUPLICATE_CASE',
        `case "${name}" is already defined on line ${locate(source, ['cases', previous, 'name']).line}`,
      );
    }
    names.set(name, i);
    if (c.check !== undefined) {
      const checkCase = readCheckCase(c, i, mapping, report);
      if (checkCase) checkCases.push({ ...checkCase, position: locate(source, ['cases', i, 'name'], 'key') });
      continue;
    }
    if (c.input === undefined) {
      report(
        ['cases', i],
        'TEST_EXPECTATION',
        `case "${name}" needs an input (or check: and mismatches: for a check)`,
        'key',
      );
      continue;
    }
    const given = EXPECTATIONS.filter((key) => c[key] !== undefined);
    if (given.length !== 1) {
      report(
        given.length === 0 ? ['cases', i] : ['cases', i, given[1]!],
        'TEST_EXPECTATION',
        given.length === 0
          ? `case "${name}" needs one of equals, contains or skipped`
          : `case "${name}" has ${given.join(' and ')}: give exactly one`,
        'key',
      );
      continue;
    }
    const direction = c.direction === 'to-source' ? 'to-source' : 'to-target';
    if (
      mapping &&
      direction === 'to-source' &&
      !mapping.properties.some((p) => p.direction !== 'to-target')
    ) {
      report(
        ['cases', i, 'direction'],
        'TEST_DIRECTION_INVALID',
        `mapping "${mappingName}" has no property that flows to the source`,
      );
    }
    const links = (obj(c.links) ?? {}) as Record<string, Record<string, unknown>>;
    for (const linked of Object.keys(links)) {
      if (options.cascade?.isBroken(linked)) {
        options.cascade.fold(linked, at(['cases', i, 'links', linked], 'key'));
      } else if (!options.names.has(linked)) {
        report(
          ['cases', i, 'links', linked],
          'TEST_UNKNOWN_MAPPING',
          `no mapping "${linked}"${didYouMean(linked, options.names)}`,
          'key',
        );
      }
    }
    const kind = given[0]!;
    cases.push({
      name,
      direction,
      input: obj(c.input) ?? {},
      links,
      variables: obj(c.variables) ?? {},
      fetched: (arr(c.fetched) ?? []).map((f) => {
        const stub = obj(f) ?? {};
        return {
          side: stub.side === 'source' ? 'source' : 'target',
          name: str(stub.name) ?? '',
          args: obj(stub.args) ?? {},
          result: stub.result,
        } satisfies FetchStub;
      }),
      expect: kind === 'skipped' ? { kind } : { kind, value: c[kind] },
      position: locate(source, ['cases', i, 'name'], 'key'),
    });
  }
  return { file: { file: source.file, mapping: mappingName, cases, checkCases }, diagnostics };
}

/** A `check:` case: the check exists, `mismatches` is given, and nothing of a record case. */
function readCheckCase(
  c: Record<string, unknown>,
  i: number,
  mapping: CompiledMapping | undefined,
  report: (path: (string | number)[], code: string, message: string, at?: 'key' | 'value') => void,
): Omit<CheckTestCase, 'position'> | undefined {
  const name = String(c.name);
  const check = String(c.check);
  const checks = (mapping?.checks ?? []).map((k) => k.name);
  if (mapping && !checks.includes(check)) {
    report(
      ['cases', i, 'check'],
      'TEST_UNKNOWN_CHECK',
      `mapping "${mapping.name}" has no check "${check}"${didYouMean(check, checks)}; checks: ${checks.join(', ') || '(none)'}`,
    );
    return undefined;
  }
  const extra = ['input', 'direction', 'links', 'fetched', ...EXPECTATIONS].filter((k) => c[k] !== undefined);
  if (c.mismatches === undefined || extra.length > 0) {
    report(
      extra.length > 0 ? ['cases', i, extra[0]!] : ['cases', i],
      'TEST_EXPECTATION',
      extra.length > 0
        ? `case "${name}" tests check "${check}": ${extra.join(', ')} belong to record cases; give variables and mismatches`
        : `case "${name}" tests check "${check}": give mismatches (the check's messages, [] when it passes)`,
      'key',
    );
    return undefined;
  }
  return {
    name,
    check,
    variables: obj(c.variables) ?? {},
    mismatches: arr(c.mismatches).map((m) => String(m)),
  };
}
