/**
 * Parses a YAML source with positions kept (yaml's `parseDocument` + `LineCounter`), so every
 * later check can point at the exact line and column of the node it complains about. Parse
 * problems become diagnostics (tabs, duplicate keys, several documents, syntax); the
 * document is still returned whenever yaml could build one, so schema checks can go on and
 * report everything at once.
 */
import { type Document, LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';

export interface Position {
  line: number;
  col: number;
}

/** A parsed YAML file: its text, the document with node ranges, and offset → position. */
export interface YamlSource {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  /** 1-based line and column of a character offset in `text`. */
  position(offset: number): Position;
}

export interface ParsedYaml {
  source: YamlSource;
  /** The plain JavaScript value, or undefined when the document is empty or unusable. */
  value: unknown;
  diagnostics: Diagnostic[];
}

const CODES: Record<string, string> = {
  DUPLICATE_KEY: 'YAML_DUPLICATE_KEY',
  TAB_AS_INDENT: 'YAML_TAB',
  MULTIPLE_DOCS: 'YAML_MULTIPLE_DOCUMENTS',
};

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line, col };
  };
  const source: YamlSource = { file, text, doc, position };
  const diagnostics: Diagnostic[] = [
    ...doc.errors.map((e) => fromYamlError(e, 'error', source)),
    ...doc.warnings.map((e) => fromYamlError(e, 'warning', source)),
  ];
  let value: unknown;
  if (doc.contents === null) {
    if (diagnostics.length === 0) {
      diagnostics.push({
        file,
        line: 0,
        col: 0,
        severity: 'error',
        code: 'FILE_EMPTY',
        message: 'file is empty',
      });
    }
  } else {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      diagnostics.push({
        file,
        line: 1,
        col: 1,
        severity: 'error',
        code: 'YAML_SYNTAX',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { source, value, diagnostics };
}

function fromYamlError(error: YAMLError, severity: 'error' | 'warning', source: YamlSource): Diagnostic {
  const { line, col } = source.position(error.pos[0]);
  const code = CODES[error.code] ?? (severity === 'error' ? 'YAML_SYNTAX' : 'YAML_WARNING');
  const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const hint = code === 'YAML_TAB' ? ' (indent with spaces)' : '';
  return { file: source.file, line, col, severity, code, message: `${message}${hint}` };
}
