/**
 * "Save to file": the only way the playground writes, and only to the mapping file named.
 *
 * - `text`: the whole edited text, written as is (every byte the person did not touch stays
 *   as it was; a file with CRLF line ends keeps them, since browsers hand text back with LF).
 * - `edits`: `[{ path, value }]`, text values set in the file on disk through the `yaml`
 *   library's Document and CST APIs: only the tokens of those values are rewritten, comments,
 *   layout and block scalar styles stay as they were — for a tool that changes one
 *   expression without holding the whole text.
 *
 * A save names the version it edited: a file changed on disk since is refused (409), never
 * overwritten. The result is checked first as `validate` would check it; a save that leaves
 * the file with errors, or adds errors to other files, is refused (422) and nothing is
 * written. After writing (a temporary file renamed over the old one: never half a file),
 * `validate` runs on the files as they are on disk and its diagnostics are the answer.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Composer, CST, isScalar, Parser } from 'yaml';
import { type Diagnostic, hasErrors } from '../diagnostics/diagnostic.ts';
import { PlaygroundError } from './errors.ts';
import {
  checkWorkspace,
  type MappingFile,
  mappingFileOf,
  type PlaygroundWorkspace,
  versionOf,
} from './workspace.ts';

export interface SaveRequest {
  file?: unknown;
  /** The version (from the list or the last save) the edit started from. */
  version?: unknown;
  text?: unknown;
  edits?: unknown;
}

export interface SaveResult {
  file: string;
  /** False when the text was the file's already (nothing written). */
  written: boolean;
  version: string;
  /** `validate` on the saved files. */
  diagnostics: Diagnostic[];
}

type Edit = { path: (string | number)[]; value: string };

export async function saveMapping(workspace: PlaygroundWorkspace, request: SaveRequest): Promise<SaveResult> {
  const file = await mappingFileOf(workspace, request.file);
  if (typeof request.version !== 'string') throw new PlaygroundError(400, '"version" must be given');
  const current = await readFile(file.absolute, 'utf8');
  if (versionOf(current) !== request.version) {
    throw new PlaygroundError(
      409,
      `${file.file} changed on disk since it was loaded: reload it, then edit again`,
    );
  }
  const next = nextText(current, request);
  if (next === current) {
    const checked = await checkWorkspace(workspace);
    return { file: file.file, written: false, version: versionOf(current), diagnostics: checked.diagnostics };
  }
  await refuseNewErrors(workspace, file, next);
  await writeAtomically(file.absolute, next);
  const checked = await checkWorkspace(workspace);
  return { file: file.file, written: true, version: versionOf(next), diagnostics: checked.diagnostics };
}

function nextText(current: string, request: SaveRequest): string {
  if ((request.text === undefined) === (request.edits === undefined)) {
    throw new PlaygroundError(400, 'give either "text" or "edits"');
  }
  if (request.text !== undefined) {
    if (typeof request.text !== 'string') throw new PlaygroundError(400, '"text" must be a string');
    return current.includes('\r\n') && !request.text.includes('\r\n')
      ? request.text.replace(/\n/g, '\r\n')
      : request.text;
  }
  return applyEdits(current, editsOf(request.edits));
}

/**
 * Set the string values at `path` by rewriting only their tokens in the file's concrete
 * syntax tree (yaml's CST, reached through the Document's source tokens): every other byte —
 * comments, folded descriptions, quoting, blank lines — is written back exactly as it was,
 * and a `|` block stays a block.
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const tokens = [...new Parser().parse(text)];
  const docs = [...new Composer({ keepSourceTokens: true }).compose(tokens)];
  const doc = docs[0];
  if (!doc || docs.length !== 1 || doc.errors.length > 0) {
    throw new PlaygroundError(
      422,
      'the file on disk does not parse as one YAML document; send its text instead',
    );
  }
  for (const { path, value } of edits) {
    const node = doc.getIn(path, true);
    if (!isScalar(node) || !node.srcToken || typeof value !== 'string') {
      throw new PlaygroundError(
        400,
        `${path.join('.')}: only a text value that is there can be edited by path`,
      );
    }
    CST.setScalarValue(node.srcToken, value, { afterKey: true });
  }
  return tokens.map((token) => CST.stringify(token)).join('');
}

function editsOf(value: unknown): Edit[] {
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        Array.isArray(e.path) &&
        e.path.length > 0 &&
        typeof e.value === 'string' &&
        e.path.every((k: unknown) => typeof k === 'string' || (Number.isInteger(k) && (k as number) >= 0)),
    );
  if (!valid)
    throw new PlaygroundError(
      400,
      '"edits" must be [{ "path": ["properties", 0, "to_target"], "value": … }]',
    );
  return value as Edit[];
}

/** 422 when the saved text would have errors, or would cause new ones in other files. */
async function refuseNewErrors(
  workspace: PlaygroundWorkspace,
  file: MappingFile,
  next: string,
): Promise<void> {
  const [before, after] = await Promise.all([
    checkWorkspace(workspace),
    checkWorkspace(workspace, new Map([[file, next]])),
  ]);
  const key = (d: Diagnostic) => `${d.file}:${d.line}:${d.col}:${d.code}`;
  const known = new Set(before.diagnostics.filter((d) => d.severity === 'error').map(key));
  const blocking = after.diagnostics.filter(
    (d) => d.severity === 'error' && (d.file === file.file || !known.has(key(d))),
  );
  if (hasErrors(blocking)) {
    const error = new PlaygroundError(
      422,
      `not saved: ${blocking.length} error${blocking.length === 1 ? '' : 's'}`,
    );
    throw Object.assign(error, { diagnostics: after.diagnostics });
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const { mode } = await stat(path);
  const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.playground-save`);
  await writeFile(temporary, text, { encoding: 'utf8', mode, flag: 'wx' });
  await rename(temporary, path);
}
