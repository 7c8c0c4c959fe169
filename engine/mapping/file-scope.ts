/**
 * Per-file bookkeeping while one mapping file is compiled: collecting diagnostics at the
 * line and column of a document path, and compiling the expressions found at document paths
 * with their offsets mapped back into the file.
 */
import { isScalar } from 'yaml';
import type { Diagnostic, Severity } from '../diagnostics/diagnostic.ts';
import { findNode, locate, type PathSegment } from '../yaml/locate.ts';
import type { Position, YamlSource } from '../yaml/parse-source.ts';
import { scalarOffsetMapper } from '../yaml/scalar-offsets.ts';
import {
  type CompileResult,
  compileExpression,
  type ExpressionLimits,
  type ExpressionOptions,
} from './expression.ts';

export class FileScope {
  readonly diagnostics: Diagnostic[] = [];
  /** Run settings the sides' connectors offer (set once the sides are resolved). */
  settings: ExpressionOptions['settings'] = {};
  /** Lookups the sides' connectors answer (`$fetch`), set once the sides are resolved. */
  lookups: ExpressionOptions['lookups'] = {};

  constructor(
    readonly source: YamlSource,
    readonly mapping: string,
    private readonly limits: ExpressionLimits,
    private readonly variables: Readonly<Record<string, unknown>>,
  ) {}

  get file(): string {
    return this.source.file;
  }

  position(path: readonly PathSegment[], at: 'key' | 'value' = 'value'): Position {
    return locate(this.source, path, at);
  }

  report(
    path: readonly PathSegment[],
    code: string,
    message: string,
    options: { at?: 'key' | 'value'; severity?: Severity } = {},
  ): void {
    const { line, col } = this.position(path, options.at ?? 'value');
    this.diagnostics.push({
      file: this.file,
      line,
      col,
      severity: options.severity ?? 'error',
      code,
      message,
    });
  }

  /** Compile the expression written at `path`; undefined when there is no string there. */
  expression(
    path: readonly PathSegment[],
    label: string,
    contextVariables: readonly string[],
  ): CompileResult | undefined {
    const { node } = findNode(this.source, path);
    if (!isScalar(node) || typeof node.value !== 'string') return undefined;
    const mapper = scalarOffsetMapper(this.source, node);
    const result = compileExpression(
      node.value,
      {
        file: this.file,
        mapping: this.mapping,
        label,
        locate: (offset) => ({ file: this.file, ...this.source.position(mapper(offset)) }),
      },
      {
        limits: this.limits,
        variables: this.variables,
        contextVariables,
        settings: this.settings,
        lookups: this.lookups,
      },
    );
    this.diagnostics.push(...result.diagnostics);
    return result;
  }
}
