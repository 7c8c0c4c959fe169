/**
 * Printing diagnostics in the format a command was asked for: `text` (one
 * `path:line:col severity CODE message` per line), `json` (an array), `github` (workflow
 * commands that GitHub shows as annotations on the pull request) or `sarif` (SARIF 2.1.0
 * for code-scanning tools). docs/diagnostics.md describes each.
 */
import { type Diagnostic, formatDiagnostic } from '../diagnostics/diagnostic.ts';
import { loadCodeDocs } from '../diagnostics/formats/code-docs.ts';
import { diagnosticAnnotation } from '../diagnostics/formats/github.ts';
import { rootRelative } from '../diagnostics/formats/paths.ts';
import { toSarif } from '../diagnostics/formats/sarif.ts';
import { VERSION } from '../version.ts';
import type { CliDeps } from './deps.ts';

import type { DiagnosticFormat } from './format-option.ts';

/** Text, or a JSON array with `json`. */
export function printDiagnostics(deps: CliDeps, diagnostics: readonly Diagnostic[], json: boolean): void {
  if (json) {
    deps.out(`${JSON.stringify(diagnostics, null, 2)}\n`);
    return;
  }
  for (const d of diagnostics) deps.out(`${formatDiagnostic(d)}\n`);
}

export async function reportDiagnostics(
  deps: CliDeps,
  diagnostics: readonly Diagnostic[],
  format: DiagnosticFormat,
): Promise<void> {
  if (format === 'github') {
    for (const d of diagnostics) deps.out(`${diagnosticAnnotation(d, rootRelative(d.file, deps))}\n`);
  } else if (format === 'sarif') {
    const sarif = toSarif(diagnostics, {
      cwd: deps.cwd,
      env: deps.env,
      version: VERSION,
      codeDocs: await loadCodeDocs(),
    });
    deps.out(`${JSON.stringify(sarif, null, 2)}\n`);
  } else {
    printDiagnostics(deps, diagnostics, format === 'json');
  }
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const count = (severity: Diagnostic['severity']) =>
    diagnostics.filter((d) => d.severity === severity).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const notes = count('note');
  return `${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}${notes > 0 ? `, ${plural(notes, 'note')}` : ''}`;
}
