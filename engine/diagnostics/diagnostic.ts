/**
 * Compiler-style diagnostics: `path:line:col severity CODE message`. Every checker returns
 * a list of these (it never throws on the first problem); commands sort and print them all.
 * Codes are stable and documented in docs/diagnostics.md; tests assert codes and positions,
 * never message text.
 */
/**
 * `note` explains other diagnostics (errors folded into one remark on the file that caused
 * them); like a warning it never fails a command.
 */
export type Severity = 'error' | 'warning' | 'note';

export interface Diagnostic {
  /** File path as given on the command line (relative paths stay relative). */
  file: string;
  /** 1-based line and column. 0 when the problem is about the file as a whole. */
  line: number;
  col: number;
  severity: Severity;
  /** Stable code, e.g. `MAP_UNKNOWN_KEY`. */
  code: string;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code} ${d.message}`;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/**
 * Sort by file, line, column, severity (a note after the error it explains), then code, so
 * output is stable and diffable.
 */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      RANK[a.severity] - RANK[b.severity] ||
      a.code.localeCompare(b.code),
  );
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}
