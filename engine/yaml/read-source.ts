/**
 * Reads a text file that a person edits (a mapping, a mapping test, mapsync.yaml) and turns
 * every way it can be unusable into a diagnostic instead of an exception: missing, a folder,
 * over the size limit, not UTF-8, or empty. Callers then parse the text knowing it is sane.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';

/** Mapping files are small; anything bigger is a mistake (a data dump, a binary). */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export type SourceText = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic };

const fileProblem = (file: string, code: string, message: string): SourceText => ({
  ok: false,
  diagnostic: { file, line: 0, col: 0, severity: 'error', code, message },
});

/**
 * @param path where to read
 * @param file how to name the file in diagnostics (as given on the command line)
 */
export async function readSource(path: string, file: string = path): Promise<SourceText> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return fileProblem(file, 'FILE_NOT_FOUND', 'not a regular file');
    size = info.size;
  } catch {
    return fileProblem(file, 'FILE_NOT_FOUND', 'file not found');
  }
  if (size > MAX_SOURCE_BYTES) {
    return fileProblem(
      file,
      'FILE_TOO_LARGE',
      `file is ${size} bytes, over the limit of ${MAX_SOURCE_BYTES} bytes (1 MB)`,
    );
  }
  const bytes = await readFile(path);
  return decodeSource(bytes, file);
}

/**
 * Text held in memory (an editor's unsaved buffer, the playground) checked as that file's
 * bytes would be: the same size limit and the same "empty" rule, so an edited text gets the
 * diagnostics `validate` would give once it is saved.
 */
export function sourceFromText(text: string, file: string): SourceText {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_SOURCE_BYTES) {
    return fileProblem(
      file,
      'FILE_TOO_LARGE',
      `file is ${size} bytes, over the limit of ${MAX_SOURCE_BYTES} bytes (1 MB)`,
    );
  }
  if (text.trim() === '') return fileProblem(file, 'FILE_EMPTY', 'file is empty');
  return { ok: true, text: text.replace(/^\uFEFF/, '') };
}

/** In-memory texts by absolute path, standing in for the files' contents. */
export type SourceOverrides = ReadonlyMap<string, string>;

/** The override of `path` when there is one, else the file. */
export function readSourceOr(
  overrides: SourceOverrides | undefined,
  path: string,
  file: string,
): Promise<SourceText> {
  const text = overrides?.get(path);
  return text === undefined ? readSource(path, file) : Promise.resolve(sourceFromText(text, file));
}

/** Decode bytes as strict UTF-8 (a leading BOM is dropped) and reject empty content. */
export function decodeSource(bytes: Uint8Array, file: string): SourceText {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    return {
      ok: false,
      diagnostic: {
        file,
        line: at.line,
        col: at.col,
        severity: 'error',
        code: 'FILE_NOT_UTF8',
        message: 'file is not valid UTF-8 text (save it as UTF-8)',
      },
    };
  }
  if (text.trim() === '') return fileProblem(file, 'FILE_EMPTY', 'file is empty');
  return { ok: true, text };
}

/** Line and column (1-based, in bytes) of the first byte sequence that is not UTF-8. */
function firstInvalidUtf8(bytes: Uint8Array): { line: number; col: number } {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >> 5 === 0b110 ? 2 : b >> 4 === 0b1110 ? 3 : b >> 3 === 0b11110 ? 4 : 0;
    let valid = length > 0 && i + length <= bytes.length;
    if (valid && length > 1) {
      try {
        decoder.decode(bytes.subarray(i, i + length));
      } catch {
        valid = false;
      }
    }
    if (!valid) return { line, col: i - lineStart + 1 };
    if (b === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
    i += length;
  }
  return { line: 0, col: 0 };
}
