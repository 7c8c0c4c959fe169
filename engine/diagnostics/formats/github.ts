/**
 * GitHub Actions workflow commands (`::error file=…,line=…,col=…,title=…::message`): printed
 * by a step, they become annotations shown inline on the changed lines of a pull request.
 * Escaping is exactly what GitHub's own toolkit (`@actions/core`, command.ts) does: in the
 * message `%`, CR and LF are percent-encoded (so a multi-line message stays one command);
 * in property values `:` and `,` too, since they separate properties.
 */
import type { Diagnostic } from '../diagnostic.ts';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface AnnotationProperties {
  file?: string;
  /** 1-based; 0 or absent = the file as a whole (GitHub then annotates the file). */
  line?: number;
  col?: number;
  title?: string;
}

/** One workflow command line (without the trailing newline). */
export function annotation(level: AnnotationLevel, props: AnnotationProperties, message: string): string {
  const parts: string[] = [];
  if (props.file) parts.push(`file=${escapeProperty(props.file)}`);
  if (props.line) parts.push(`line=${props.line}`);
  if (props.line && props.col) parts.push(`col=${props.col}`);
  if (props.title) parts.push(`title=${escapeProperty(props.title)}`);
  return `::${level}${parts.length > 0 ? ` ${parts.join(',')}` : ''}::${escapeData(message)}`;
}

const LEVEL: Record<Diagnostic['severity'], AnnotationLevel> = {
  error: 'error',
  warning: 'warning',
  note: 'notice',
};

/** A diagnostic as an annotation; `file` is its path relative to the repository root. */
export function diagnosticAnnotation(d: Diagnostic, file: string): string {
  return annotation(LEVEL[d.severity], { file, line: d.line, col: d.col, title: d.code }, d.message);
}
