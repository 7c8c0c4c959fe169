/**
 * Translates a character offset inside a scalar's *value* (what JSONata sees) into an
 * offset in the YAML file (what the person edits). This is what lets an expression error
 * be reported at its real `file:line:col` instead of at the start of the property.
 *
 * Block scalars (`|`, `|-`, `>`, …) and plain scalars keep every line's text verbatim and
 * only change indentation and line breaks, so each source line's text is aligned with the
 * value in order. Quoted scalars are re-scanned with their escapes (`''`, `\"`, `\n`,
 * `\u00e6`, escaped line breaks) and line folding. Whatever cannot be aligned exactly falls
 * back to the start of the node, never to a wrong place.
 */
import { isScalar, type Scalar } from 'yaml';
import type { YamlSource } from './parse-source.ts';

export type OffsetMapper = (valueOffset: number) => number;

export function scalarOffsetMapper(source: YamlSource, node: Scalar): OffsetMapper {
  const start = node.range?.[0] ?? 0;
  const fallback: OffsetMapper = () => start;
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return fallback;
  const value = node.value;
  const raw = source.text.slice(node.range[0], node.range[1]);
  let offsets: number[] | undefined;
  switch (node.type) {
    case 'QUOTE_DOUBLE':
    case 'QUOTE_SINGLE':
      offsets = scanQuoted(raw, start, node.type === 'QUOTE_DOUBLE', value);
      break;
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED': {
      const headerEnd = raw.indexOf('\n');
      offsets =
        headerEnd < 0 ? undefined : alignLines(raw.slice(headerEnd + 1), start + headerEnd + 1, value);
      break;
    }
    default:
      offsets = alignLines(raw, start, value);
  }
  if (!offsets) return fallback;
  const mapped = offsets;
  return (valueOffset) => {
    if (mapped.length === 0) return start;
    if (valueOffset < mapped.length) return mapped[Math.max(0, valueOffset)]!;
    // Past the end: just after the last character (a trailing line break already maps there).
    const last = mapped.length - 1;
    return /\s/.test(value.charAt(last)) ? mapped[last]! : mapped[last]! + 1;
  };
}

/**
 * Find each source line's trimmed text in `value`, in order; characters in between (folded
 * line breaks, indentation) must be whitespace and map to the end of the previous line.
 */
function alignLines(region: string, regionStart: number, value: string): number[] | undefined {
  const offsets: number[] = [];
  let pos = 0;
  let lineStart = 0;
  let previousEnd = regionStart;
  for (const rawLine of region.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    const text = line.trim();
    const lead = line.length - line.trimStart().length;
    if (text !== '') {
      const at = value.indexOf(text, pos);
      if (at < 0 || value.slice(pos, at).trim() !== '') return undefined;
      for (let i = pos; i < at; i++) offsets.push(previousEnd);
      for (let i = 0; i < text.length; i++) offsets.push(regionStart + lineStart + lead + i);
      pos = at + text.length;
      previousEnd = regionStart + lineStart + lead + text.length;
    }
    lineStart += rawLine.length + 1;
  }
  if (value.slice(pos).trim() !== '') return undefined;
  for (let i = pos; i < value.length; i++) offsets.push(previousEnd);
  return offsets;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** Re-scan a quoted scalar, recording the source offset of every value character. */
function scanQuoted(raw: string, start: number, double: boolean, expected: string): number[] | undefined {
  const chars: { ch: string; at: number; kept: boolean }[] = [];
  const end = raw.length - 1; // closing quote
  let i = 1;
  while (i < end) {
    const c = raw[i]!;
    if (!double && c === "'" && raw[i + 1] === "'") {
      chars.push({ ch: "'", at: start + i, kept: true });
      i += 2;
    } else if (double && c === '\\') {
      const next = raw[i + 1] ?? '';
      if (next === '\n' || next === '\r') {
        // Escaped line break: no separator; leading whitespace of the next line is dropped.
        i += next === '\r' && raw[i + 2] === '\n' ? 3 : 2;
        while (raw[i] === ' ' || raw[i] === '\t') i++;
      } else if (next in HEX_LENGTH) {
        const length = HEX_LENGTH[next]!;
        const code = Number.parseInt(raw.slice(i + 2, i + 2 + length), 16);
        if (Number.isNaN(code)) return undefined;
        for (const ch of String.fromCodePoint(code)) {
          for (let k = 0; k < ch.length; k++) chars.push({ ch: ch[k]!, at: start + i, kept: true });
        }
        i += 2 + length;
      } else if (next in SIMPLE_ESCAPES) {
        chars.push({ ch: SIMPLE_ESCAPES[next]!, at: start + i, kept: true });
        i += 2;
      } else {
        return undefined;
      }
    } else if (c === '\n' || c === '\r') {
      // Line folding: trailing blanks go, leading blanks of following lines go, one break
      // becomes a space, n+1 breaks become n newlines.
      while (chars.length > 0 && !chars.at(-1)!.kept && /[ \t]/.test(chars.at(-1)!.ch)) chars.pop();
      const breakAt = start + i;
      let breaks = 0;
      while (i < end && /[\r\n \t]/.test(raw[i]!)) {
        if (raw[i] === '\n') breaks++;
        i++;
      }
      if (breaks <= 1) chars.push({ ch: ' ', at: breakAt, kept: false });
      else for (let k = 1; k < breaks; k++) chars.push({ ch: '\n', at: breakAt, kept: false });
    } else {
      chars.push({ ch: c, at: start + i, kept: false });
      i++;
    }
  }
  if (chars.map((c) => c.ch).join('') !== expected) return undefined;
  return chars.map((c) => c.at);
}
