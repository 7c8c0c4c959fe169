/**
 * A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat and others accept the
 * same `{"text": …}` POST). The URL itself is the secret (it grants posting), so it must come
 * from the environment and is never logged.
 */
import got from 'got';
import { slackText } from '../message.ts';
import { type Channel, checkStatus, DeliveryError, SEND_TIMEOUT_MS } from './channel.ts';

export function slackChannel(options: { name: string; url: string; userAgent: string }): Channel {
  const http = got.extend({
    timeout: { request: SEND_TIMEOUT_MS },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
  });
  return {
    name: options.name,
    type: 'slack',
    async send(message) {
      let status: number;
      try {
        ({ statusCode: status } = await http.post(options.url, {
          json: { text: slackText(message) },
          headers: { 'user-agent': options.userAgent },
        }));
      } catch (error) {
        throw new DeliveryError(
          `${options.name}: ${(error as { code?: string }).code ?? 'request failed'}`,
          true,
        );
      }
      checkStatus(options.name, status);
    },
  };
}
