/**
 * What the playground offers to pick from: every mapping file of the project with its text,
 * the version a save must name, its sides, and its test cases (input, links, variables) as
 * sample records. Checked as `validate` checks them, so a broken file is listed with its
 * diagnostics rather than left out.
 */
import { readFile } from 'node:fs/promises';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { mappingNameOf } from '../mapping/compile.ts';
import type { MappingTestCase } from '../mapping/testing/load-tests.ts';
import { checkWorkspace, mappingFiles, type PlaygroundWorkspace, versionOf } from './workspace.ts';

export interface ListedCase {
  name: string;
  direction: MappingTestCase['direction'];
  input: unknown;
  links: MappingTestCase['links'];
}

export interface ListedMapping {
  file: string;
  name: string;
  text: string;
  version: string;
  /** Absent when the file does not compile far enough to say. */
  direction?: 'two-way' | 'one-way';
  source?: { system: string; entity: string };
  target?: { system: string; entity: string };
  fanOut: boolean;
  cases: ListedCase[];
}

export interface MappingList {
  mappings: ListedMapping[];
  diagnostics: Diagnostic[];
}

export async function listMappings(workspace: PlaygroundWorkspace): Promise<MappingList> {
  const [checked, files] = await Promise.all([checkWorkspace(workspace), mappingFiles(workspace)]);
  const mappings: ListedMapping[] = [];
  for (const file of files) {
    const text = await readFile(file.absolute, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const compiled = checked.mappings.find((m) => m.file === file.file);
    const name = compiled?.name ?? mappingNameOf(file.file);
    const cases = checked.tests
      .filter((t) => t.mapping === name)
      .flatMap((t) => t.cases)
      .map((c) => ({ name: c.name, direction: c.direction, input: c.input, links: c.links }));
    mappings.push({
      file: file.file,
      name,
      text,
      version: versionOf(text),
      ...(compiled
        ? {
            direction: compiled.direction,
            source: { system: compiled.source.system, entity: compiled.source.entity },
            target: { system: compiled.target.system, entity: compiled.target.entity },
          }
        : {}),
      fanOut: compiled?.fanOut !== undefined,
      cases,
    });
  }
  return { mappings, diagnostics: checked.diagnostics };
}
