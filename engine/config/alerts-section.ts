/**
 * Checks of mapsync.yaml's `alerts:` section beyond its schema, each at the line it is
 * about: the values that grant access (the webhook's signing secret, a Slack webhook URL,
 * the SMTP password) must come from the environment (`${VAR}`), and addresses must be
 * http(s) URLs. Every value a channel takes from the environment is returned as a secret,
 * so the logger scrubs it (a webhook URL may carry a token too).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { locate } from '../yaml/locate.ts';
import type { YamlSource } from '../yaml/parse-source.ts';
import { interpolate, isPlainReference } from './interpolate.ts';

/** Channel keys whose value is a secret. */
const SECRET_KEYS: Readonly<Record<string, readonly string[]>> = {
  webhook: ['secret'],
  slack: ['url'],
  email: ['password'],
};
const URL_KEYS: Readonly<Record<string, readonly string[]>> = { webhook: ['url'], slack: ['url'] };

type Env = Readonly<Record<string, string | undefined>>;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkAlertsSection(
  source: YamlSource,
  raw: unknown,
  env: Env,
): { diagnostics: Diagnostic[]; secrets: string[] } {
  const diagnostics: Diagnostic[] = [];
  const secrets: string[] = [];
  if (!isObject(raw)) return { diagnostics, secrets };
  const report = (path: (string | number)[], code: string, message: string) => {
    const { line, col } = locate(source, path);
    diagnostics.push({ file: source.file, line, col, severity: 'error', code, message });
  };
  const checkUrl = (path: (string | number)[], value: unknown) => {
    if (typeof value !== 'string') return;
    const resolved = interpolate(value, env);
    if (resolved.missing.length > 0 || resolved.problems.length > 0) return; // reported elsewhere, or not known yet
    if (!isHttpUrl(resolved.value)) {
      report(path, 'CFG_ALERT_URL', `${path.join('.')} must be an http:// or https:// URL`);
    }
  };
  checkUrl(['alerts', 'status_url'], raw.status_url);
  for (const [i, channel] of (Array.isArray(raw.channels) ? raw.channels : []).entries()) {
    if (!isObject(channel) || typeof channel.type !== 'string') continue;
    for (const key of SECRET_KEYS[channel.type] ?? []) {
      const value = channel[key];
      if (value === undefined) continue;
      if (!(typeof value === 'string' && isPlainReference(value))) {
        report(
          ['alerts', 'channels', i, key],
          'CFG_SECRET_LITERAL',
          `"${key}" of a ${channel.type} channel is a secret: write \${VARIABLE} (no default) and set the variable in the environment`,
        );
      }
    }
    for (const key of URL_KEYS[channel.type] ?? []) checkUrl(['alerts', 'channels', i, key], channel[key]);
    for (const value of Object.values(channel)) {
      if (typeof value !== 'string') continue;
      const resolved = interpolate(value, env);
      if (resolved.used.length > 0 && resolved.value !== '') secrets.push(resolved.value);
    }
  }
  return { diagnostics, secrets };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
