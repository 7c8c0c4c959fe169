/**
 * What each diagnostic code means, read from docs/diagnostics.md: that page is the one
 * place codes are explained (a test keeps it complete), so SARIF rule descriptions are
 * taken from it instead of from a second list that could drift. Every table row whose first
 * cell names codes (`| \`MAP_X\`, \`TEST_X\` | error | meaning |`) gives each of them its
 * meaning. A missing page just means rules without descriptions.
 */
import { readFile } from 'node:fs/promises';

export const DIAGNOSTICS_DOC = new URL('../../../docs/diagnostics.md', import.meta.url);

export interface CodeDoc {
  /** The meaning cell, Markdown as written. */
  meaning: string;
}

export function parseCodeDocs(markdown: string): Map<string, CodeDoc> {
  const out = new Map<string, CodeDoc>();
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('| `')) continue;
    // Cells are separated by " | "; an escaped "\|" inside a cell stays in the cell.
    const cells = line
      .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
      .split(/(?<!\\) \| /)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
    const codes = [...(cells[0] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);
    const meaning = cells[cells.length - 1] ?? '';
    for (const code of codes) if (!out.has(code)) out.set(code, { meaning });
  }
  return out;
}

export async function loadCodeDocs(url: URL = DIAGNOSTICS_DOC): Promise<Map<string, CodeDoc>> {
  try {
    return parseCodeDocs(await readFile(url, 'utf8'));
  } catch {
    return new Map();
  }
}

/** Markdown → plain text for tools that show text only (backticks and escapes dropped). */
export function plainText(markdown: string): string {
  return markdown.replace(/\\(.)/g, '$1').replace(/`/g, '');
}
