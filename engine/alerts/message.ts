/**
 * What a channel sends: the alerts of one delivery (one, or a digest of those the rate
 * limit held back), the service's name and the status page link. Rendered as JSON (the
 * generic webhook), as plain text (e-mail), or as Slack mrkdwn.
 */
import type { Alert } from './conditions.ts';

export interface AlertMessage {
  /** The service instance (alerts.name). */
  service: string;
  statusUrl: string;
  alerts: Alert[];
  /** ISO time the message was made. */
  sentAt: string;
}

/** Payload version of the generic webhook's JSON body (docs/operations.md). */
export const PAYLOAD_VERSION = 1;

export function payload(message: AlertMessage, delivery: string): Record<string, unknown> {
  return {
    version: PAYLOAD_VERSION,
    delivery,
    service: message.service,
    statusUrl: message.statusUrl,
    sentAt: message.sentAt,
    alerts: message.alerts,
  };
}

const mark = (a: Alert) => (a.status === 'firing' ? 'FIRING' : 'RESOLVED');

export function subject(message: AlertMessage): string {
  const [first] = message.alerts;
  if (message.alerts.length === 1 && first) return `[${message.service}] ${mark(first)}: ${first.summary}`;
  const firing = message.alerts.filter((a) => a.status === 'firing').length;
  return `[${message.service}] ${message.alerts.length} alerts (${firing} firing, ${message.alerts.length - firing} resolved)`;
}

export function text(message: AlertMessage): string {
  const lines = message.alerts.map(
    (a) =>
      `${mark(a)}  ${a.summary}\n         since ${a.since}${a.resolvedAt ? `, resolved ${a.resolvedAt}` : ''} [${a.key}]`,
  );
  return [
    `mapsync service "${message.service}":`,
    '',
    ...lines,
    '',
    `Status page: ${message.statusUrl}`,
    '',
    'Alerts name mappings, counts, codes and record ids only; the records themselves are on the status page and in `mapsync failed`.',
    '',
  ].join('\n');
}

/** Slack mrkdwn: `&`, `<`, `>` must be escaped; links are `<url|label>`. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackText(message: AlertMessage): string {
  const lines = message.alerts.map(
    (a) =>
      `${a.status === 'firing' ? ':rotating_light: *FIRING*' : ':white_check_mark: *RESOLVED*'} ${slackEscape(a.summary)}`,
  );
  return [
    `*mapsync ${slackEscape(message.service)}*`,
    ...lines,
    `<${slackEscape(message.statusUrl)}|Status page>`,
  ].join('\n');
}
