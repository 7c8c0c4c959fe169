/**
 * SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format) for code-scanning tools
 * (GitHub code scanning's `upload-sarif`, Azure DevOps, IDE viewers). One run, tool
 * `mapsync`, one rule per diagnostic code that occurs (described from docs/diagnostics.md),
 * one result per diagnostic. File paths are relative to the report root (`%SRCROOT%`, see
 * paths.ts); columns count UTF-16 code units, as the YAML positions do.
 */
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from '../diagnostic.ts';
import { type CodeDoc, plainText } from './code-docs.ts';
import { type PathContext, reportRoot, rootRelative } from './paths.ts';

export const SARIF_SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const LEVEL: Record<Diagnostic['severity'], 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  note: 'note',
};

export interface SarifOptions extends PathContext {
  version: string;
  codeDocs: ReadonlyMap<string, CodeDoc>;
}

export function toSarif(diagnostics: readonly Diagnostic[], options: SarifOptions): Record<string, unknown> {
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  const index = new Map(codes.map((code, i) => [code, i]));
  const rules = codes.map((code) => {
    const doc = options.codeDocs.get(code);
    const level = diagnostics.find((d) => d.code === code)!.severity;
    const text = doc ? plainText(doc.meaning) : undefined;
    return {
      id: code,
      name: ruleName(code),
      ...(text
        ? {
            shortDescription: { text: firstSentence(text) },
            fullDescription: { text },
            help: { text, markdown: doc!.meaning },
          }
        : {}),
      defaultConfiguration: { level: LEVEL[level] },
    };
  });
  const root = reportRoot(options);
  const results = diagnostics.map((d) => {
    const path = rootRelative(d.file, options);
    const outside = path.startsWith('/');
    return {
      ruleId: d.code,
      ruleIndex: index.get(d.code)!,
      level: LEVEL[d.severity],
      message: { text: d.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: outside
              ? { uri: pathToFileURL(path).href }
              : { uri: encodeURI(path), uriBaseId: 'SRCROOT' },
            ...(d.line > 0
              ? { region: { startLine: d.line, ...(d.col > 0 ? { startColumn: d.col } : {}) } }
              : {}),
          },
        },
      ],
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'mapsync', version: options.version, semanticVersion: options.version, rules },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(`${root}/`).href } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

/** `MAP_UNKNOWN_PROPERTY` → `UnknownProperty` (SARIF's reportingDescriptor.name is PascalCase). */
function ruleName(code: string): string {
  return code
    .split('_')
    .slice(1)
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join('');
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end >= 0 ? text.slice(0, end + 1) : text;
}
