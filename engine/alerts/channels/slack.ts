/**
 * A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat and others accept the
 * same `{"text": …}` POST). The URL itself is the secret (it grants posting), so it must come
 * from the environment and is never logged.
 */
import { slackText } from '../message.ts';
import { type Channel, httpPoster } from './channel.ts';

export function slackChannel(options: { name: string; url: string; userAgent: string }): Channel {
  const post = httpPoster(options.name);
  return {
    name: options.name,
    type: 'slack',
    async send(message) {
      await post(options.url, {
        json: { text: slackText(message) },
        headers: { 'user-agent': options.userAgent },
      });
    },
  };
}
