/**
 * A reStructuredText check for tests, built on rst-compiler (a real RST parser from npm).
 *
 * Evaluation, honestly: rst-compiler parses sections, paragraphs, inline literals and
 * directives well and its HTML generator throws on a list-table whose rows are not bullet
 * lists, but it is tolerant where docutils is strict: it accepts a title underline shorter
 * than the title (docutils: "Title underline too short") and a list-table row with fewer
 * cells than the header (docutils: "uniform two-level bullet list expected"). This check
 * adds exactly those two docutils rules on top of rst-compiler's parse tree, so broken
 * documents are rejected. CI also runs docutils itself in strict mode (.ci/run).
 */
import type { RstBulletList, RstDirective } from 'rst-compiler';
import { RstToHtmlCompiler } from 'rst-compiler';

const ADORNMENT = /^([!-/:-@[-`{-~])\1{2,}\s*$/;

/** Problems found in `text`; empty when it is valid. */
export function rstProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const title = lines[i - 1];
    if (!ADORNMENT.test(line) || title === undefined || title.trim() === '' || ADORNMENT.test(title)) return;
    if (line.trimEnd().length < title.trimEnd().length) {
      problems.push(`line ${i + 1}: title underline too short for "${title.trim()}"`);
    }
  });
  const compiler = new RstToHtmlCompiler();
  try {
    const parsed = compiler.parse(text);
    for (const directive of parsed.root.findAllChildren('Directive') as readonly RstDirective[]) {
      if (directive.directive !== 'list-table') continue;
      const list = directive.children[0] as RstBulletList | undefined;
      const widths = (list?.children ?? []).map((row) =>
        row.children[0]?.nodeType === 'BulletList' ? row.children[0].children.length : 0,
      );
      if (widths.length === 0 || widths.some((w) => w === 0 || w !== widths[0])) {
        problems.push(`list-table: rows must all have ${widths[0]} cells, got ${widths.join(', ')}`);
      }
    }
    compiler.compile(text);
  } catch (error) {
    problems.push(`rst-compiler: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  return problems;
}
