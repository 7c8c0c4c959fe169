/**
 * Authentication as PowerOffice Go's API Management gateway and OAuth endpoint do it:
 * - every call (token endpoint included) needs `Ocp-Apim-Subscription-Key` (or the
 *   `subscription-key` query parameter); missing or wrong → 401 with APIM's JSON body;
 * - `POST /OAuth/Token` with `Authorization: Basic base64(ApplicationKey:ClientKey)` and
 *   `grant_type=client_credentials` → `{access_token, token_type, expires_in}`; wrong keys
 *   → 400 `{"error":"invalid_client", …}`;
 * - API calls need `Authorization: Bearer <token>`; missing, unknown or expired → 401
 *   without a body.
 */
import { randomBytes } from 'node:crypto';

export interface Credentials {
  applicationKey: string;
  clientKey: string;
  subscriptionKey: string;
}

export const DEFAULT_CREDENTIALS: Credentials = {
  applicationKey: '2b7a8a56-0f1e-4c83-9a7e-5a8a3e1f0a01',
  clientKey: '7d3c1e0b-5f6a-4b2d-8c9e-1a2b3c4d5e6f',
  subscriptionKey: 'sandbox0subscription0key00000001',
};

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 1200;

export type OAuthResult =
  | { ok: true; body: { access_token: string; token_type: 'bearer'; expires_in: number } }
  | { ok: false; status: number; body: { error: string; error_description: string } };

export class TokenStore {
  private readonly tokens = new Map<string, number>();
  /** False once the client removed the integration: tokens are refused until it is added back. */
  private clientActive = true;

  constructor(private readonly credentials: Credentials) {}

  /** The subscription key a request carries (header first, then query). */
  static subscriptionKeyOf(
    headers: Record<string, unknown>,
    query: Record<string, unknown>,
  ): string | undefined {
    const header = headers['ocp-apim-subscription-key'];
    if (typeof header === 'string' && header !== '') return header;
    for (const [k, v] of Object.entries(query))
      if (k.toLowerCase() === 'subscription-key' && typeof v === 'string') return v;
    return undefined;
  }

  subscriptionValid(key: string): boolean {
    return key === this.credentials.subscriptionKey;
  }

  /** The token endpoint. */
  issue(authorization: unknown, form: Record<string, string>, lifetimeSeconds: number): OAuthResult {
    const invalidClient = {
      ok: false as const,
      status: 400,
      body: {
        error: 'invalid_client',
        error_description:
          'Client integration not found. Please ensure the provided keys are matching the desired environment.',
      },
    };
    const m = typeof authorization === 'string' ? /^Basic\s+(\S+)$/i.exec(authorization) : null;
    if (!m) return invalidClient;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const appKey = decoded.slice(0, colon);
    const clientKey = decoded.slice(colon + 1);
    if (
      colon < 0 ||
      appKey !== this.credentials.applicationKey ||
      clientKey !== this.credentials.clientKey ||
      !this.clientActive
    ) {
      return invalidClient;
    }
    const grant = Object.entries(form).find(([k]) => k.toLowerCase() === 'grant_type')?.[1];
    if (grant !== 'client_credentials') {
      return {
        ok: false,
        status: 400,
        body: {
          error: 'unsupported_grant_type',
          error_description: 'Only grant_type=client_credentials is supported.',
        },
      };
    }
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, Date.now() + lifetimeSeconds * 1000);
    return { ok: true, body: { access_token: token, token_type: 'bearer', expires_in: lifetimeSeconds } };
  }

  /** Whether `Authorization: Bearer …` carries a live token. */
  bearerValid(authorization: unknown): boolean {
    const m = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!m) return false;
    const expires = this.tokens.get(m[1]!);
    if (expires === undefined) return false;
    if (expires <= Date.now()) {
      this.tokens.delete(m[1]!);
      return false;
    }
    return true;
  }

  /** Invalidate every token (tests of the client's 401 → renew → retry path). */
  revokeAll(): void {
    this.tokens.clear();
  }

  /**
   * The client removes the integration (or adds it back): while removed, its tokens stop
   * working and the token endpoint answers `invalid_client`, as for a wrong client key.
   */
  setClientActive(active: boolean): void {
    this.clientActive = active;
    if (!active) this.tokens.clear();
  }
}

export const APIM_MISSING_KEY = {
  statusCode: 401,
  message:
    'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
};

export const APIM_INVALID_KEY = {
  statusCode: 401,
  message:
    'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.',
};

export const apimRateLimited = (seconds: number) => ({
  statusCode: 429,
  message: `Rate limit is exceeded. Try again in ${seconds} seconds.`,
});
