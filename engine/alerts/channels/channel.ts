/** What every alert channel implements, and how a failed delivery says whether to retry. */
import got from 'got';
import type { AlertMessage } from '../message.ts';

export interface Channel {
  /** `alerts.channels[].name` (default "<type> <n>"); used in logs, never the address. */
  readonly name: string;
  readonly type: string;
  send(message: AlertMessage): Promise<void>;
  close?(): Promise<void>;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** Worth trying again (network, timeout, 429, 5xx); false for a refusal such as 400/404. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** HTTP status → delivery outcome, for the webhook and Slack channels. */
export function checkStatus(channel: string, status: number): void {
  if (status >= 200 && status < 300) return;
  throw new DeliveryError(
    `${channel}: answered ${status}`,
    status === 408 || status === 429 || status >= 500,
  );
}

/** Timeout of one delivery attempt. */
export const SEND_TIMEOUT_MS = 5000;

/**
 * POST for the HTTP channels: one attempt (the dispatcher decides about retries), a bounded
 * time, no redirects; a network failure or a non-2xx answer becomes a DeliveryError that
 * names the channel and the status, never the URL (it may hold a token).
 */
export function httpPoster(
  channel: string,
): (url: string, body: { body?: string; json?: unknown; headers: Record<string, string> }) => Promise<void> {
  const http = got.extend({
    timeout: { request: SEND_TIMEOUT_MS },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
  });
  return async (url, options) => {
    let status: number;
    try {
      ({ statusCode: status } = await http.post(url, options));
    } catch (error) {
      throw new DeliveryError(`${channel}: ${(error as { code?: string }).code ?? 'request failed'}`, true);
    }
    checkStatus(channel, status);
  };
}
