/**
 * HTML to plain text for fields that are HTML on one side and plain text on the other
 * (WooCommerce product descriptions → PowerOffice Description). html-to-text handles
 * entities, lists and line breaks; we keep it to plain prose: no word wrapping, no link
 * targets, no images, headings not upper-cased.
 */
import { createRequire } from 'node:module';
import type { HtmlToTextOptions } from 'html-to-text';

const headings = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'ul', options: { itemPrefix: '- ' } },
    ...headings,
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
};

/**
 * The converter, built on first use: html-to-text and its HTML parser are some twenty modules
 * that `mapsync validate` and mappings without `$htmlToText` never need. Loaded through its
 * CommonJS build because JSONata functions are synchronous.
 */
let converter: ((html: string) => string) | undefined;
function convert(html: string): string {
  converter ??= (createRequire(import.meta.url)('html-to-text') as typeof import('html-to-text')).compile(
    OPTIONS,
  );
  return converter(html);
}

/** `$htmlToText(html)`: the text of an HTML fragment, trimmed; empty input gives nothing. */
export function htmlToText(html: unknown): string | undefined {
  if (html === undefined || html === null || html === '') return undefined;
  if (typeof html !== 'string') throw new Error(`$htmlToText: expected a string, got ${typeof html}`);
  return convert(html).trim();
}
