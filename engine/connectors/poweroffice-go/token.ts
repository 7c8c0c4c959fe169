/**
 * OAuth 2.0 client credentials for PowerOffice Go: `POST <token_url>` with
 * `Authorization: Basic base64(ApplicationKey:ClientKey)`, the subscription key header and
 * `grant_type=client_credentials`. There is no refresh token; a new token is requested
 * before the old one runs out.
 *
 * - Cached per connector instance (one client key = one tenant).
 * - Renewed proactively: 60 s before expiry, or at 90 % of the lifetime when that is
 *   shorter (a 20-minute token is renewed after 19 minutes, a 10-second one after 9 s).
 * - Concurrent callers share one in-flight request.
 * - The token call goes through the same per-subscription-key rate limiter as API calls.
 * - Neither keys nor tokens appear in errors or logs.
 */
import { type HttpClient, transportError } from '../http/client.ts';
import { SYSTEM, tokenError } from './errors.ts';

export interface TokenProviderOptions {
  /** A got instance for the token endpoint (rate-limited, side-effect-free retries). */
  http: HttpClient;
  tokenUrl: string;
  applicationKey: string;
  clientKey: string;
  subscriptionKey: string;
  /** Milliseconds since the epoch (the runtime's clock). */
  now: () => number;
}

interface CachedToken {
  value: string;
  renewAt: number;
}

const DEFAULT_LIFETIME_SECONDS = 1200;

/** When to renew a token that lives `lifetimeMs`: 60 s early, or at 90 % for short lifetimes. */
export function renewalMargin(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs * 0.1);
}

export class TokenProvider {
  private cached: CachedToken | undefined;
  private inflight: Promise<string> | undefined;
  /** Token requests made so far (for tests and diagnostics). */
  requests = 0;

  constructor(private readonly options: TokenProviderOptions) {}

  /** A valid access token, from the cache or freshly requested. */
  async get(): Promise<string> {
    if (this.cached && this.options.now() < this.cached.renewAt) return this.cached.value;
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Forget `token` (the API refused it); a token obtained meanwhile by someone else stays. */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    const { http, tokenUrl, applicationKey, clientKey, subscriptionKey, now } = this.options;
    const path = new URL(tokenUrl).pathname;
    const startedAt = now();
    this.requests++;
    let response: {
      statusCode: number;
      body: string;
      headers: Record<string, string | string[] | undefined>;
    };
    try {
      response = await http.post(tokenUrl, {
        headers: {
          authorization: `Basic ${Buffer.from(`${applicationKey}:${clientKey}`).toString('base64')}`,
          'ocp-apim-subscription-key': subscriptionKey,
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        },
        body: 'grant_type=client_credentials',
      });
    } catch (error) {
      throw transportError(SYSTEM, error, { sideEffectFree: true });
    }
    if (response.statusCode !== 200) {
      throw tokenError({ method: 'POST', path, status: response.statusCode, body: response.body });
    }
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(response.body) as typeof parsed;
    } catch {
      parsed = {};
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw tokenError({ method: 'POST', path, status: 502, body: '' });
    }
    const seconds = Number(parsed.expires_in);
    const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LIFETIME_SECONDS) * 1000;
    // Counted from when the request left, so network time never makes us late.
    this.cached = { value: parsed.access_token, renewAt: startedAt + lifetimeMs - renewalMargin(lifetimeMs) };
    return parsed.access_token;
  }
}
