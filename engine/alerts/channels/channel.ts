/** What every alert channel implements, and how a failed delivery says whether to retry. */
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
