/**
 * The connector's one HTTP channel to the shop: builds wc/v3 URLs (pretty `/wp-json/...`
 * or plain-permalink `/?rest_route=...`), sends JSON through the shared got client (timeouts,
 * retries, rate limiter, telemetry), authenticates every attempt, and turns every failure
 * into a `ConnectorError` naming method and route only.
 */
import type { Runtime } from '../../runtime.ts';
import { abortOptions, createHttpClient, type HttpClient, transportError } from '../http/client.ts';
import { parseJsonBody } from '../http/json-body.ts';
import { authHeaders, authHook, rfc3986 } from './auth.ts';
import type { ResolvedConfig } from './config.ts';
import { errorFromResponse, header, SYSTEM } from './errors.ts';

export const API_PREFIX = '/wc/v3';

export type Query = Record<string, string | number | boolean | undefined>;

export interface ApiResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export class WooApi {
  private readonly client: HttpClient;

  constructor(
    private readonly config: ResolvedConfig,
    runtime: Runtime,
  ) {
    const hook = authHook(config, runtime.now);
    const limiter =
      config.maxRps !== undefined
        ? runtime.limiters.forCredential(SYSTEM, config.consumerKey, { limit: config.maxRps })
        : undefined;
    const client = createHttpClient({
      system: SYSTEM,
      prefixUrl: `${config.baseUrl}/`,
      runtime,
      requestTimeoutMs: config.timeoutMs,
      headers: authHeaders(config),
      ...(limiter ? { limiter } : {}),
      ...(hook ? { hooks: { beforeRequest: [hook] } } : {}),
    });
    this.client = config.tlsCa ? client.extend({ https: { certificateAuthority: config.tlsCa } }) : client;
  }

  /** End the keep-alive connections (a fleet worker closes engines of idle tenants). */
  close(): void {
    this.client.close();
  }

  /** `route` is relative to wc/v3, e.g. `customers/5`. Non-2xx answers throw. */
  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    route: string,
    options: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<ApiResponse<T>> {
    const path = `/wp-json${API_PREFIX}/${route}`;
    const url = this.urlFor(route, options.query ?? {});
    let response: {
      statusCode: number;
      headers: Record<string, string | string[] | undefined>;
      body: string;
      rawBody?: Buffer;
    };
    try {
      const override = this.config.methodOverride && (method === 'PUT' || method === 'DELETE');
      response = await this.client(url, {
        method: override ? 'POST' : method,
        ...(override ? { headers: { 'x-http-method-override': method } } : {}),
        ...(options.body !== undefined ? { json: options.body } : {}),
        ...abortOptions(method, options.signal),
      });
    } catch (error) {
      const mapped = transportError(SYSTEM, error);
      throw options.body !== undefined ? mapped.withRequest(options.body) : mapped;
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const error = errorFromResponse(response, method, path);
      throw options.body !== undefined ? error.withRequest(options.body) : error;
    }
    let body: T;
    try {
      // A large listing page is parsed off this thread (http/json-body.ts).
      body = (await parseJsonBody(response)) as T;
      if (body === undefined) throw new SyntaxError('empty body');
    } catch {
      throw errorFromResponse(response, method, path);
    }
    return { status: response.statusCode, headers: response.headers, body };
  }

  /** Total records and pages a listing reported (`X-WP-Total`, `X-WP-TotalPages`). */
  static totals(headers: ApiResponse<unknown>['headers']): { total?: number; pages?: number } {
    const total = Number(header(headers, 'x-wp-total'));
    const pages = Number(header(headers, 'x-wp-totalpages'));
    return {
      ...(Number.isFinite(total) && header(headers, 'x-wp-total') !== undefined ? { total } : {}),
      ...(Number.isFinite(pages) && header(headers, 'x-wp-totalpages') !== undefined ? { pages } : {}),
    };
  }

  /** Relative URL (against prefixUrl) with a query string encoded per RFC 3986 (`%20`, never `+`). */
  private urlFor(route: string, query: Query): string {
    const params: Array<[string, string]> = [];
    if (this.config.plainPermalinks) params.push(['rest_route', `${API_PREFIX}/${route}`]);
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) params.push([key, String(value)]);
    const search = params.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
    const base = this.config.plainPermalinks ? '' : `wp-json${API_PREFIX}/${route}`;
    return search ? `${base}?${search}` : base;
  }
}
