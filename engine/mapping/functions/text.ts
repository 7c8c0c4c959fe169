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

/**
 * Deepest element nesting `$htmlToText` converts. html-to-text walks the DOM recursively
 * (several stack frames per level, about 0.5 kB of stack each), so a description nested
 * thousands of elements deep overflowed the stack — or not, depending on how much stack the
 * calling code already used: the same record then failed or synced from one run to the
 * next. Deeper HTML fails the record with the depth and this limit, deterministically; 256
 * needs about an eighth of Node's default stack and is far beyond what editors and page
 * builders produce (a few dozen levels).
 */
export const MAX_HTML_DEPTH = 256;

const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  // html-to-text cuts input beyond 16 MiB silently (a console warning): never truncate.
  limits: { maxInputLength: Number.POSITIVE_INFINITY },
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
let parser: typeof import('htmlparser2') | undefined;
function convert(html: string): string {
  const require = createRequire(import.meta.url);
  parser ??= require('htmlparser2') as typeof import('htmlparser2');
  const depth = nestingDepth(html, parser);
  if (depth > MAX_HTML_DEPTH) {
    throw new Error(
      `$htmlToText: the HTML is nested ${depth} elements deep, more than the limit of ${MAX_HTML_DEPTH}`,
    );
  }
  converter ??= (require('html-to-text') as typeof import('html-to-text')).compile(OPTIONS);
  return converter(html);
}

/**
 * The deepest element nesting of the DOM html-to-text will build: the same parser with the
 * same options, counting the open and close events its DOM builder turns into the tree
 * (implied closes and void elements included). One pass, no recursion, no tree.
 */
function nestingDepth(html: string, htmlparser2: typeof import('htmlparser2')): number {
  let depth = 0;
  let deepest = 0;
  const counter = new htmlparser2.Parser(
    {
      onopentag() {
        depth += 1;
        if (depth > deepest) deepest = depth;
      },
      onclosetag() {
        depth -= 1;
      },
    },
    { decodeEntities: true },
  );
  counter.end(html);
  return deepest;
}

/** `$htmlToText(html)`: the text of an HTML fragment, trimmed; empty input gives nothing. */
export function htmlToText(html: unknown): string | undefined {
  if (html === undefined || html === null || html === '') return undefined;
  if (typeof html !== 'string') throw new Error(`$htmlToText: expected a string, got ${typeof html}`);
  return convert(html).trim();
}
