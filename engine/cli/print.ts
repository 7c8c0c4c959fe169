/** Printing diagnostics: one `path:line:col severity CODE message` per line, or a JSON array. */
import { type Diagnostic, formatDiagnostic } from '../diagnostics/diagnostic.ts';
import type { CliDeps } from './deps.ts';

export function printDiagnostics(deps: CliDeps, diagnostics: readonly Diagnostic[], json: boolean): void {
  if (json) {
    deps.out(`${JSON.stringify(diagnostics, null, 2)}\n`);
    return;
  }
  for (const d of diagnostics) deps.out(`${formatDiagnostic(d)}\n`);
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
