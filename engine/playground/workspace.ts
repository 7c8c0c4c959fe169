/**
 * The project the playground works on: where its mapping files are, the systems they name,
 * and the one way to check them — `checkFiles`, exactly what `mapsync validate` and
 * `mapsync test` run, with the edited (unsaved) text of one file standing in for its
 * contents. Also the guard every request naming a file passes: it must be one of the
 * project's mapping files, inside the project folder (no `..`, no symlink out of it).
 */
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { type CheckedFiles, checkFiles } from '../mapping/check-files.ts';
import { findYamlFiles } from '../yaml/find-files.ts';
import { PlaygroundError } from './errors.ts';

export interface PlaygroundWorkspace {
  /** Absolute project folder: relative paths are resolved against it, files must lie in it. */
  readonly root: string;
  /** Mapping files or folders, relative to `root`, as `mapsync validate` would be given them. */
  readonly paths: readonly string[];
  readonly registry: ConnectorRegistry;
  readonly schemasDir: string;
  /** Systems from mapsync.yaml (absent: every connector kind is a system of that name). */
  readonly systems?: Readonly<Record<string, { connector: string }>>;
}

/** A mapping file the playground may read and write. */
export interface MappingFile {
  /** As diagnostics name it (relative to the project folder). */
  readonly file: string;
  readonly absolute: string;
}

/** Identifies a file's contents: a save names the version it edited (no lost updates). */
export function versionOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** Every file as `validate` checks it, with `edited` (file → text) in place of those files. */
export function checkWorkspace(
  workspace: PlaygroundWorkspace,
  edited?: ReadonlyMap<MappingFile, string>,
): Promise<CheckedFiles> {
  const sources = edited ? new Map([...edited].map(([file, text]) => [file.absolute, text])) : undefined;
  return checkFiles(workspace.paths, {
    registry: workspace.registry,
    schemasDir: workspace.schemasDir,
    ...(workspace.systems ? { systems: workspace.systems } : {}),
    cwd: workspace.root,
    ...(sources ? { sources } : {}),
  });
}

/** The project's mapping files (not their tests), as validate lists them. */
export async function mappingFiles(workspace: PlaygroundWorkspace): Promise<MappingFile[]> {
  const found = await findYamlFiles(workspace.paths, workspace.root);
  return found.mappings.map((file) => ({ file, absolute: resolve(workspace.root, file) }));
}

/**
 * The mapping file a request names, or a 400: only a file of the project's mapping list,
 * whose real path (symlinks followed) lies inside the real mappings folder.
 */
export async function mappingFileOf(workspace: PlaygroundWorkspace, name: unknown): Promise<MappingFile> {
  if (typeof name !== 'string' || name === '' || name.length > 1000) {
    throw new PlaygroundError(400, '"file" must name a mapping file of the project');
  }
  const file = (await mappingFiles(workspace)).find((f) => f.file === name);
  if (!file) throw new PlaygroundError(400, `"${name.slice(0, 200)}" is not a mapping file of this project`);
  // The real file must lie under the real folder (or be the real file) it was found by.
  const real = await realpath(file.absolute);
  const fences = await Promise.all(workspace.paths.map((p) => realpath(resolve(workspace.root, p))));
  if (!fences.some((fence) => real === fence || within(fence, real))) {
    throw new PlaygroundError(400, `"${name.slice(0, 200)}" lies outside the project's mappings folder`);
  }
  return file;
}

function within(folder: string, path: string): boolean {
  const inside = relative(folder, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}
