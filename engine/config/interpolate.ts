/**
 * `${VAR}` and `${VAR:-default}` in mapsync.yaml values, read from the environment at load
 * time so that secrets never sit in the file. `$${` is a literal `${`. Every variable that
 * is missing is reported (not just the first), so an operator can fix them all in one go.
 */

export interface Interpolated {
  value: string;
  /** Variables referenced without a default and not set (or empty) in the environment. */
  missing: string[];
  /** Variables referenced at all. */
  used: string[];
  /** Syntax problems (an unterminated `${`, a bad name). */
  problems: string[];
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): Interpolated {
  const result: Interpolated = { value: '', missing: [], used: [], problems: [] };
  result.value = text.replace(REFERENCE, (match: string, body: string | undefined) => {
    if (match === '$${') return '${';
    if (body === undefined) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message is about the literal syntax
      result.problems.push('"${" without a closing "}"');
      return match;
    }
    const separator = body.indexOf(':-');
    const name = separator >= 0 ? body.slice(0, separator) : body;
    const fallback = separator >= 0 ? body.slice(separator + 2) : undefined;
    if (!NAME.test(name)) {
      result.problems.push(`"\${${body}}" is not a variable reference (use \${NAME} or \${NAME:-default})`);
      return match;
    }
    result.used.push(name);
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    result.missing.push(name);
    return '';
  });
  return result;
}

/** True when `text` is exactly one `${NAME}` reference without a default. */
export function isPlainReference(text: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(text);
}
