/**
 * The conditions that need a person, and how an alert about one reads. An alert carries
 * only mapping and system names, counts, stable codes and record or webhook ids — never a
 * name, an e-mail address or a field value (failed records' reasons hold such values, so
 * they are never read here). The summary is built from those fields alone.
 */

export type ConditionKind =
  | 'mapping-stopped'
  | 'store-unavailable'
  | 'failed-records'
  | 'failed-records-age'
  | 'manual-conflict'
  | 'webhook-disabled'
  | 'credentials-refused';

export interface Condition {
  /** Identity: one alert per key until it clears (`failed-records:salesorder`). */
  key: string;
  kind: ConditionKind;
  mapping?: string;
  /** Mappings a service-wide condition stopped. */
  mappings?: string[];
  system?: string;
  /** The stable code of what happened (`DELETE_LIMIT_EXCEEDED`, `CONNECTOR_AUTH`). */
  code?: string;
  count?: number;
  /** The configured limit that was crossed (a count, or an age such as `1h`). */
  threshold?: number | string;
  /** Failure codes and how many records have each. */
  codes?: Record<string, number>;
  /** Record ids (failed records) or webhook ids, at most {@link MAX_IDS}. */
  ids?: string[];
  /** Webhook topics (`order.updated`). */
  topics?: string[];
}

export interface Alert extends Condition {
  status: 'firing' | 'resolved';
  /** When the condition was first seen (ISO). */
  since: string;
  resolvedAt?: string;
  summary: string;
}

export const MAX_IDS = 10;

const STOP_REASONS: Array<[RegExp, string]> = [
  [/^DELETE_LIMIT_EXCEEDED$/, 'the delete circuit breaker tripped'],
  [/^DELETE_MODE_UNSUPPORTED$/, 'a delete policy the system does not support'],
  [/^CONNECTOR_/, 'a request the run needs, such as a listing, failed'],
  [/^INTERNAL$/, 'an internal error'],
];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const list = (ids: readonly string[] | undefined, total: number | undefined, what = '') =>
  ids && ids.length > 0
    ? ` (${what}${ids.join(', ')}${total !== undefined && total > ids.length ? ', …' : ''})`
    : '';
const codes = (c: Record<string, number> | undefined) =>
  c && Object.keys(c).length > 0
    ? `; ${Object.entries(c)
        .sort(([, a], [, b]) => b - a)
        .map(([code, n]) => `${code} ×${n}`)
        .join(', ')}`
    : '';

/** One line saying what is wrong, from the condition's fields only. */
export function describe(c: Condition): string {
  switch (c.kind) {
    case 'mapping-stopped': {
      const why = STOP_REASONS.find(([re]) => re.test(c.code ?? ''))?.[1];
      return `mapping "${c.mapping}" stopped: ${c.code}${why ? ` (${why})` : ''}`;
    }
    case 'store-unavailable':
      return `the link store is unavailable; stopped: ${(c.mappings ?? []).join(', ')}`;
    case 'failed-records':
      return `mapping "${c.mapping}": ${plural(c.count ?? 0, 'failed record')} (threshold ${c.threshold})${codes(c.codes)}${list(c.ids, c.count)}`;
    case 'failed-records-age':
      return `mapping "${c.mapping}": ${plural(c.count ?? 0, 'record')} failing for more than ${c.threshold}${codes(c.codes)}${list(c.ids, c.count)}`;
    case 'manual-conflict':
      return `mapping "${c.mapping}": ${plural(c.count ?? 0, 'conflict')} waiting for a manual decision${list(c.ids, c.count)}`;
    case 'webhook-disabled':
      return `${c.system} disabled ${plural(c.count ?? 0, 'webhook')} to this service after delivery failures${list(c.ids, c.count, c.count === 1 ? 'id ' : 'ids ')}${c.topics?.length ? `: ${c.topics.join(', ')}` : ''}; re-activate ${c.count === 1 ? 'it' : 'them'} in the shop`;
    case 'credentials-refused':
      return `${c.system} refused the credentials (${c.code}); every mapping using it is stopped`;
  }
}
