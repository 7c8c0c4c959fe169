/**
 * Builds the alerting of one service instance from the `alerts:` settings: its channels, the
 * dispatcher (rate limit, digests, retries) and the monitor. One per service instance: a
 * process holding several tenants' services holds several, sharing nothing.
 */
import type { Logger } from 'pino';
import type { Channel } from './channels/channel.ts';
import { emailChannel } from './channels/email.ts';
import { slackChannel } from './channels/slack.ts';
import { webhookChannel } from './channels/webhook.ts';
import { Dispatcher } from './dispatcher.ts';
import { AlertMonitor, type AlertMonitorOptions } from './monitor.ts';
import type { AlertSettings, ChannelSettings } from './settings.ts';

export function buildChannel(settings: ChannelSettings, userAgent: string): Channel {
  switch (settings.type) {
    case 'webhook':
      return webhookChannel({ name: settings.name, url: settings.url, secret: settings.secret, userAgent });
    case 'slack':
      return slackChannel({ name: settings.name, url: settings.url, userAgent });
    case 'email':
      return emailChannel(settings);
  }
}

export function createAlerting(
  options: Omit<AlertMonitorOptions, 'dispatcher'> & {
    settings: AlertSettings;
    version: string;
    logger: Logger;
    retryDelaysMs?: readonly number[];
  },
): AlertMonitor {
  const userAgent = `mapsync/${options.version}`;
  const dispatcher = new Dispatcher({
    service: options.settings.name,
    channels: options.settings.channels.map((c) => buildChannel(c, userAgent)),
    rateLimit: options.settings.rateLimit,
    logger: options.logger,
    ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
  });
  return new AlertMonitor({ ...options, dispatcher });
}
