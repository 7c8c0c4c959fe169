/**
 * One PowerOffice Go API client per connector instance: the shared got client factory
 * with the subscription key on every call, a bearer token set before each attempt (before
 * the rate limiter grants budget), one renew-and-retry on a 401, and the process-wide
 * limiter of this subscription key (token calls count against it too).
 */
import type { NormalizedOptions, Response } from 'got';
import type { Runtime } from '../../runtime.ts';
import { ConnectorError } from '../errors.ts';
import { abortOptions, createHttpClient, type HttpClient, transportError } from '../http/client.ts';
import { parseJsonBody } from '../http/json-body.ts';
import { parseRetryAfter } from '../http/retry-policy.ts';
import type { PatchOperation } from '../types.ts';
import type { ResolvedConfig } from './config.ts';
import { responseError, SYSTEM } from './errors.ts';
import { TokenProvider } from './token.ts';

export interface CallOptions {
  searchParams?: Record<string, string | number | boolean>;
  /** A JSON body (POST). */
  json?: unknown;
  /** An RFC 6902 body (PATCH), sent as application/json-patch+json. */
  patch?: PatchOperation[];
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON; undefined for empty bodies (204, DELETE). */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** Length of the body as received, in bytes (what reading it cost). */
  size: number;
}

export class PowerOfficeApi {
  readonly tokens: TokenProvider;
  private readonly http: HttpClient;
  private readonly tokenHttp: HttpClient;
  private readonly base: URL;

  constructor(config: ResolvedConfig, runtime: Runtime) {
    const limiter = runtime.limiters.forCredential(SYSTEM, config.subscriptionKey, {
      limit: config.rateLimit,
    });
    this.base = new URL(`${config.apiUrl}/`);
    this.tokenHttp = createHttpClient({
      system: SYSTEM,
      prefixUrl: '',
      runtime,
      limiter,
      sideEffectFree: true,
      connectTimeoutMs: config.connectTimeoutMs,
      requestTimeoutMs: config.timeoutMs,
    });
    this.tokens = new TokenProvider({
      http: this.tokenHttp,
      tokenUrl: config.tokenUrl,
      applicationKey: config.applicationKey,
      clientKey: config.clientKey,
      subscriptionKey: config.subscriptionKey,
      now: () => runtime.now().getTime(),
    });
    const tokens = this.tokens;
    this.http = createHttpClient({
      system: SYSTEM,
      prefixUrl: config.apiUrl,
      runtime,
      limiter,
      connectTimeoutMs: config.connectTimeoutMs,
      requestTimeoutMs: config.timeoutMs,
      headers: { 'ocp-apim-subscription-key': config.subscriptionKey },
      authorize: async (options: NormalizedOptions) => {
        options.headers.authorization = `Bearer ${await tokens.get()}`;
      },
      hooks: {
        afterResponse: [
          (response, retryWithMergedOptions) => {
            if (response.statusCode !== 401) return response;
            // The token was refused (revoked, expired early, clock skew): forget it and try
            // once more with a new one. got drops this hook for the retried attempt, so a
            // second 401 is final (e.g. a wrong subscription key) and becomes an auth error.
            const used = String(response.request.options.headers.authorization ?? '').replace(
              /^Bearer\s+/i,
              '',
            );
            tokens.invalidate(used);
            return retryWithMergedOptions({});
          },
        ],
      },
    });
  }

  /** The path as errors show it: `/v2/Customers/123`, never a query string. */
  pathOf(relative: string): string {
    return new URL(relative, this.base).pathname;
  }

  /** One call; 2xx → parsed response, anything else → ConnectorError. */
  async call(method: string, relative: string, options: CallOptions = {}): Promise<ApiResponse> {
    const path = this.pathOf(relative);
    let response: Response<string>;
    try {
      response = await this.http(relative, {
        method: method as 'GET',
        ...(options.searchParams ? { searchParams: options.searchParams } : {}),
        ...(options.json !== undefined
          ? {
              body: JSON.stringify(options.json),
              headers: { 'content-type': 'application/json; charset=utf-8' },
            }
          : {}),
        ...(options.patch !== undefined
          ? {
              body: JSON.stringify(options.patch),
              headers: { 'content-type': 'application/json-patch+json' },
            }
          : {}),
        ...abortOptions(method, options.signal),
      });
    } catch (error) {
      throw withBody(transportError(SYSTEM, error), options);
    }
    const status = response.statusCode;
    if (status < 200 || status >= 300) {
      const retryAfter = response.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined);
      throw withBody(
        responseError({
          method,
          path,
          status,
          body: response.body,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        }),
        options,
      );
    }
    // The bytes: a large body is parsed from them off this thread (http/json-body.ts).
    const size = response.rawBody?.length ?? Buffer.byteLength(response.body ?? '');
    if (size === 0) return { status, body: undefined, headers: response.headers, size: 0 };
    try {
      return { status, body: await parseJsonBody(response), headers: response.headers, size };
    } catch {
      // A truncated or garbled 2xx body: a write may have been applied, a read can be retried.
      const kind = method === 'POST' || method === 'PATCH' ? 'ambiguous' : 'transport';
      throw withBody(
        new ConnectorError(`${SYSTEM}: ${method} ${path} → ${status} with an unreadable body`, {
          system: SYSTEM,
          kind,
          status,
          method,
          path,
        }),
        options,
      );
    }
  }

  close(): void {
    this.http.close();
    this.tokenHttp.close();
  }
}

function withBody(error: ConnectorError, options: CallOptions): ConnectorError {
  const body = options.json ?? options.patch;
  return body === undefined ? error : error.withRequest(body);
}
