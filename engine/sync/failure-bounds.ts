/**
 * What a failed record may keep. A failed record is stored, listed, logged and shown on the
 * status page, so it is bounded and its reason carries no values:
 *
 * - the failing request's body is kept up to {@link REQUEST_BODY_LIMIT} bytes of JSON;
 *   longer, it is replaced by the first bytes of its JSON text and a marker
 *   `… [truncated: N bytes in all]` (one 100 MB body once made a 100 MB store);
 * - `details` (the values a person needs to decide a conflict, the value that did not fit a
 *   limit) are bounded the same way, at {@link DETAILS_LIMIT};
 * - the reason is at most {@link REASON_LIMIT} characters and names properties, limits and
 *   record ids, never values: the engine writes its own reasons so, and a system's message
 *   (which may quote what was sent: "'kari@example.no' is used on …") has its quoted parts
 *   replaced by `'…'` — the full text is in the details.
 *
 * Details and the request are shown by `mapsync failed` (a person at the console, who may
 * read the store anyway), never by the unauthenticated status API.
 */
export const REQUEST_BODY_LIMIT = 4096;
export const DETAILS_LIMIT = 8192;
export const REASON_LIMIT = 1000;
export const CANDIDATES_LIMIT = 20;

/** `value`, or when its JSON is longer than `limit` bytes: its head and a truncation marker. */
export function boundJson(value: unknown, limit: number): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = String(value);
  }
  if (text === undefined) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limit) return value;
  return `${headOf(text, limit)}… [truncated: ${bytes} bytes in all]`;
}

/** `text` cut at `limit` characters, with a marker when it was longer. */
export function boundText(text: string, limit = REASON_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… [truncated: ${text.length} characters]`;
}

/**
 * A system's message with what it quotes replaced by `'…'` / `"…"` ("Code is already in use.
 * 'WOO-7' is used on (product) Id = 12." → "… '…' is used on …"). Only quotes that open after
 * a space, a bracket or a sign and close before one count, so "can't" stays as it is.
 */
export function redactQuoted(text: string): string {
  return text.replace(/(^|[\s([{=:,])(['"])(?:(?!\2).)*\2(?=$|[\s)\]}.,;:!?])/g, '$1$2…$2');
}

/**
 * A string value quoted in `text` (as JSONata quotes it: `Unable to cast value to a number:
 * "kari@example.no"`) replaced by `"…"`. Numbers are left alone: they would match line and
 * column numbers too.
 */
export function withoutValue(text: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') return text;
  return text.split(JSON.stringify(value)).join('"…"');
}

/** The first `limit` bytes of `text` (never half a UTF-8 character). */
function headOf(text: string, limit: number): string {
  const buffer = Buffer.from(text.slice(0, limit), 'utf8').subarray(0, limit);
  return buffer.toString('utf8').replace(/\uFFFD$/, '');
}
