/**
 * The YAML trap of embedding expressions: in a plain (unquoted) scalar, ": " starts a nested
 * mapping (a YAML error far from what the author meant) and " #" starts a comment, silently
 * cutting the expression short. JSONata is full of both (`a ? b : c`, `{"k": v}`), so expression
 * keys written as plain scalars are checked on the raw text, before and independently of the
 * YAML parser, and the author is told to use a block scalar (`|`).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';

const HAZARD_CODE = 'EXPR_PLAIN_SCALAR_HAZARD';

/**
 * @param keys the keys whose values are expressions (`to_target`, `when`, …)
 * @returns one diagnostic per hazardous line, at the hazard's column
 */
export function findPlainScalarHazards(text: string, file: string, keys: readonly string[]): Diagnostic[] {
  const keyPattern = new RegExp(`^(\\s*(?:-\\s+)?)(${keys.map(escapeRegExp).join('|')}):[ \\t]+(\\S.*)$`);
  const out: Diagnostic[] = [];
  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.replace(/\r$/, '');
    const m = keyPattern.exec(line);
    if (!m) continue;
    const value = m[3]!;
    if (/^[|>'"]/.test(value)) continue; // block or quoted scalar: safe
    const valueStart = line.length - value.length;
    if (/^[[{]/.test(value)) {
      out.push({
        file,
        line: index + 1,
        col: valueStart + 1,
        severity: 'error',
        code: HAZARD_CODE,
        message: `${m[2]}: a plain value starting with "${value[0]}" is a YAML flow collection, not an expression; write it as a block scalar (${m[2]}: |) on the next lines`,
      });
      continue;
    }
    const colon = value.search(/:(\s|$)/);
    const hash = value.search(/\s#/);
    const hazards: [number, string][] = [];
    if (colon >= 0) hazards.push([colon, '": " in a plain scalar starts a YAML mapping']);
    if (hash >= 0)
      hazards.push([hash + 1, '" #" in a plain scalar starts a YAML comment and cuts the expression short']);
    hazards.sort((a, b) => a[0] - b[0]);
    const [offset, why] = hazards[0] ?? [];
    if (offset === undefined) continue;
    out.push({
      file,
      line: index + 1,
      col: valueStart + offset + 1,
      severity: 'error',
      code: HAZARD_CODE,
      message: `${m[2]}: ${why}; write the expression as a block scalar (${m[2]}: |) on the next lines`,
    });
  }
  return out;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
