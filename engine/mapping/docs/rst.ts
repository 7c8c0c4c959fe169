/**
 * The few reStructuredText constructs the dataflow documents use, written so the output
 * passes docutils in strict mode: adornments at least as long as their titles, inline
 * literals that cannot end early, escaped free text, and list-tables whose rows all have
 * the same number of cells.
 */

/** Display width of a title as docutils measures it (wide characters count twice). */
function width(text: string): number {
  let total = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    total +=
      code > 0x1100 &&
      /[\p{Extended_Pictographic}\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        ch,
      )
        ? 2
        : 1;
  }
  return total;
}

/** A section title; `overline` for the document title. */
export function heading(text: string, char: string, overline = false): string {
  const line = char.repeat(Math.max(width(text), 3));
  return `${overline ? `${line}\n` : ''}${text}\n${line}\n`;
}

/** Free text as a paragraph-safe, single-line string (markup characters escaped). */
export function text(value: string): string {
  return value
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\*`|_[\]]/g, (ch) => `\\${ch}`);
}

/** Code (a path or an expression) as an inline literal, whitespace collapsed to one line. */
export function literal(value: string): string {
  const collapsed = value.replace(/\s+/g, ' ').trim().replace(/``/g, '`\u200b`');
  return collapsed === '' ? '' : `\`\`${collapsed}\`\``;
}

/** A `list-table` with a header row; every row must have as many cells as the header. */
export function listTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = ['.. list-table::', '   :header-rows: 1', ''];
  for (const row of [header, ...rows]) {
    if (row.length !== header.length)
      throw new Error('list-table rows must have as many cells as the header');
    row.forEach((cell, i) => {
      lines.push(`${i === 0 ? '   * - ' : '     - '}${cell === '' ? '\\' : cell}`);
    });
  }
  return `${lines.join('\n')}\n`;
}
