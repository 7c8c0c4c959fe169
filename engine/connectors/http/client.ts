/**
 * The one way connectors make HTTP calls: a got instance per connector instance, configured
 * with explicit timeouts, keep-alive, a User-Agent naming mapsync, the retry policy of
 * `retry-policy.ts`, an optional per-credential rate limiter, and telemetry per attempt.
 *
 * Responses are never thrown for their status (`throwHttpErrors: false`): the connector
 * maps each non-2xx response to a typed `ConnectorError` itself (WooCommerce's
 * `errorFromResponse`, PowerOffice Go's `responseError`), because only it knows its vendor's
 * error bodies. Transport failures that survive the retries are mapped here.
 *
 * got (about fifty modules) is imported on the first request, not when a connector is
 * built: commands that never call a system (`validate`, `test`, `--help`) never load it.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type {
  ExtendOptions,
  Got,
  Hooks,
  NormalizedOptions,
  OptionsOfTextResponseBody,
  RequestError,
  Response,
} from 'got';
import type { Runtime } from '../../runtime.ts';
import { ConnectorError } from '../errors.ts';
import { BUDGET_UNAVAILABLE, type RequestLimiter } from './limiter.ts';
import { defaultRetrySettings, parseRetryAfter, type RetrySettings, retryDelay } from './retry-policy.ts';

export const USER_AGENT = 'mapsync/0.1 (+https://github.com/mapsync/mapsync; two-way sync engine)';

export interface HttpClientOptions {
  /** Connector kind, for errors and metrics. */
  system: string;
  prefixUrl: string;
  runtime: Runtime;
  /** Connect timeout (default 5 s) and whole-request timeout (default 30 s). */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  retry?: Partial<RetrySettings>;
  limiter?: RequestLimiter;
  /**
   * Runs before every attempt, before the rate limiter is asked for budget (so that a
   * token fetched here, itself a rate-limited call, never sits between the budget check and
   * the request it was granted for). Sets auth headers on `options`.
   */
  authorize?: (options: NormalizedOptions) => Promise<void> | void;
  /**
   * Retry POST/PATCH like idempotent methods and never report them as `ambiguous`: for
   * calls without side effects such as an OAuth token endpoint.
   */
  sideEffectFree?: boolean;
  /** Extra hooks (auth); run after the built-in ones of the same kind. */
  hooks?: Partial<Hooks>;
  headers?: Record<string, string>;
}

/** What connectors call: got's request functions and `extend`, got loaded on first use. */
export interface HttpClient {
  (url: string, options?: OptionsOfTextResponseBody): Promise<Response<string>>;
  get(url: string, options?: OptionsOfTextResponseBody): Promise<Response<string>>;
  post(url: string, options?: OptionsOfTextResponseBody): Promise<Response<string>>;
  /** A client with these options on top (sharing the connections). */
  extend(options: ExtendOptions): HttpClient;
  /** Close the kept-alive connections. */
  close(): void;
}

let gotModule: Promise<typeof import('got')> | undefined;
/** got's RequestError, known once got is loaded (no request failed before that). */
let requestError: typeof RequestError | undefined;

function loadGot(): Promise<typeof import('got')> {
  gotModule ??= import('got').then((module) => {
    requestError = module.RequestError;
    return module;
  });
  return gotModule;
}

function lazyClient(make: () => Promise<Got>, agents: { destroy(): void }[]): HttpClient {
  let instance: Promise<Got> | undefined;
  const got = () => {
    instance ??= make();
    return instance;
  };
  const client = (async (url: string, options?: OptionsOfTextResponseBody) =>
    (await got())(url, options)) as HttpClient;
  client.get = async (url, options) => (await got()).get(url, options);
  client.post = async (url, options) => (await got()).post(url, options);
  client.extend = (more) => lazyClient(async () => (await got()).extend(more), agents);
  client.close = () => {
    for (const agent of agents) agent.destroy();
  };
  return client;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  const https = new HttpsAgent({ keepAlive: true, maxSockets: 16 });
  return lazyClient(
    async () => (await loadGot()).default.extend(gotOptions(options, { http, https })),
    [http, https],
  );
}

function gotOptions(
  options: HttpClientOptions,
  agent: { http: HttpAgent; https: HttpsAgent },
): ExtendOptions {
  const { system, runtime, limiter } = options;
  const settings: RetrySettings = { ...defaultRetrySettings, ...options.retry };
  const started = new WeakMap<object, number>();
  // The limiter's hold on the budget of the attempt in flight, released when it is answered.
  const holds = new WeakMap<object, () => void>();
  const release = (request: object) => {
    holds.get(request)?.();
    holds.delete(request);
  };
  return {
    prefixUrl: options.prefixUrl,
    throwHttpErrors: false,
    // Bytes, decoded on first read of `body` (see decodeOnRead): a large JSON body is parsed
    // from its bytes in a worker (json-body.ts) and never becomes a string on this thread.
    responseType: 'buffer',
    headers: { 'user-agent': USER_AGENT, accept: 'application/json', ...options.headers },
    timeout: {
      connect: options.connectTimeoutMs ?? 5_000,
      request: options.requestTimeoutMs ?? 30_000,
    },
    agent,
    retry: {
      limit: settings.limit,
      methods: ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'POST', 'PATCH'],
      maxRetryAfter: settings.maxRetryAfterMs,
      calculateDelay: ({ attemptCount, error, retryAfter, computedValue }) => {
        // `retryWithMergedOptions` from an afterResponse hook (e.g. a 401 that renewed the
        // token) surfaces here as a RetryError: got asks for an immediate retry.
        if (error.name === 'RetryError') return computedValue;
        // A write cancelled before it was sent, or a call the rate budget could not serve,
        // is not tried again.
        if (isCancelled(error)) return 0;
        const status = error.response?.statusCode;
        const retryAfterMs =
          retryAfter ?? parseRetryAfter(error.response?.headers['retry-after'] as string | undefined);
        const delay = retryDelay(
          {
            method: error.options.method,
            attemptCount,
            status,
            errorCode: error.code,
            retryAfterMs,
            ...(options.sideEffectFree ? { idempotent: true } : {}),
          },
          settings,
        );
        // A 429 has paused the credential already, in afterResponse (pauseAfter429).
        return delay;
      },
    },
    hooks: {
      beforeRequest: [
        async (request) => {
          const cancel = sendSignalOf(request);
          await options.authorize?.(request);
          // The last moment a write can still be held back: run once budget is granted, as
          // the limiter's call, so that the limiter takes the request as sent when they end
          // (a shared budget counts its slot from then: rate-budget/hub.ts).
          const lastChecks = async () => {
            if (cancel?.aborted) throw cancelled(system, request);
            if (!isWrite(request.method) || options.sideEffectFree) return;
            if (runtime.beforeWrite) {
              // A fleet job that lost its locks must not send what it prepared (write-guard.ts).
              await runtime.beforeWrite({ system, method: request.method }).catch((error: unknown) => {
                throw cancelled(system, request, error);
              });
              if (cancel?.aborted) throw cancelled(system, request);
            }
            // In the same tick as the check above: from here on the write leaves.
            const path = request.url instanceof URL ? request.url.pathname : '';
            runtime.telemetry.writeSent?.({ system, method: request.method, path });
          };
          if (limiter) {
            const onWait = (waitMs: number) => runtime.telemetry.rateLimitWait({ system, waitMs });
            // A retry reuses the options: the attempt before it has been answered.
            release(request);
            // A limiter that holds its slot until the answer (rate-limiter.ts) runs the last
            // checks after the grant; a shared budget runs them as its call (fleet-limiter.ts).
            const granted = limiter.acquire
              ? limiter.acquire(onWait, cancel).then(async (hold) => {
                  try {
                    await lastChecks();
                  } catch (error) {
                    hold();
                    throw error;
                  }
                  return hold;
                })
              : limiter.schedule(
                  async () => {
                    await lastChecks();
                    return () => {};
                  },
                  onWait,
                  cancel,
                );
            const hold = await granted.catch((error) => {
              throw cancel?.aborted && !(error instanceof ConnectorError && error.vendorCode === CANCELLED)
                ? cancelled(system, request)
                : error;
            });
            holds.set(request, hold);
          } else {
            await lastChecks();
          }
          started.set(request, Date.now());
        },
        ...(options.hooks?.beforeRequest ?? []),
      ],
      afterResponse: [
        (response) => {
          decodeOnRead(response);
          const request = response.request.options;
          // Pause every caller of the credential before this slot is released: releasing
          // wakes callers waiting for budget, and got works out the retry delay (which pauses
          // too) only later, so a waiter woken here would otherwise be sent into the 429.
          if (response.statusCode === 429) pauseAfter429(limiter, request.method, response.headers, settings);
          release(request);
          runtime.telemetry.request({
            system,
            method: request.method,
            status: response.statusCode,
            durationMs: Date.now() - (started.get(request) ?? Date.now()),
          });
          return response;
        },
        ...(options.hooks?.afterResponse ?? []),
      ],
      beforeError: [
        (error) => {
          release(error.options);
          if (!error.response) {
            runtime.telemetry.request({
              system,
              method: error.options.method,
              status: 'error',
              durationMs: Date.now() - (started.get(error.options) ?? Date.now()),
            });
          }
          return error;
        },
        ...(options.hooks?.beforeError ?? []),
      ],
      beforeRetry: [
        (error) => {
          release(error.options);
        },
        ...(options.hooks?.beforeRetry ?? []),
      ],
    },
  };
}

/** Hold the credential's callers back as long as a 429 asks (none when it asks for too long). */
function pauseAfter429(
  limiter: HttpClientOptions['limiter'],
  method: string,
  headers: Record<string, string | string[] | undefined>,
  settings: RetrySettings,
): void {
  const retryAfter = headers['retry-after'];
  const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined);
  const delay = retryDelay({ method, attemptCount: 1, status: 429, retryAfterMs }, settings);
  if (delay > 0) limiter?.pause(delay);
}

/**
 * `response.body` as text, decoded from `rawBody` when it is first read, once. Connectors see
 * the string body they always had; `parseJsonBody` (json-body.ts) reads a large body from
 * its bytes instead, so its text is never made on this thread.
 */
function decodeOnRead(response: Response): void {
  const raw = response.rawBody;
  if (!Buffer.isBuffer(response.body) || !Buffer.isBuffer(raw)) return;
  let text: string | undefined;
  Object.defineProperty(response, 'body', {
    configurable: true,
    enumerable: true,
    get: () => {
      text ??= raw.toString('utf8');
      return text;
    },
    set: (value: string) => {
      text = value;
    },
  });
}

/** What `context.sendSignal` of a request carries (see {@link abortOptions}). */
type SendContext = Record<string, unknown> & { sendSignal?: AbortSignal };

/**
 * How a caller's AbortSignal reaches a request. A read gets got's own `signal`: it is
 * aborted wherever it is. A write is only ever cancelled *before* it is sent — while it
 * waits for the rate limiter or a token, and right before it leaves: a write aborted on the
 * wire would have an unknown outcome for nothing (the server may apply it anyway), so once
 * sent it runs to its end. The engine uses this to stop writing the moment its store fails.
 */
export function abortOptions(
  method: string,
  signal: AbortSignal | undefined,
): { signal?: AbortSignal; context?: SendContext } {
  if (!signal) return {};
  const read = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
  return read ? { signal } : { context: { sendSignal: signal } };
}

function sendSignalOf(request: NormalizedOptions): AbortSignal | undefined {
  return (request.context as SendContext | undefined)?.sendSignal;
}

function isWrite(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';
}

/** The error of a write cancelled before it was sent: `transport`, nothing reached the server. */
function cancelled(system: string, request: NormalizedOptions, cause?: unknown): ConnectorError {
  const path = request.url instanceof URL ? request.url.pathname : undefined;
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new ConnectorError(
    `${system}: ${request.method} ${path ?? ''} cancelled before it was sent${why}`,
    {
      system,
      kind: 'transport',
      vendorCode: CANCELLED,
      method: request.method,
      ...(path ? { path } : {}),
    },
    ...(cause instanceof Error ? [{ cause }] : []),
  );
}

const CANCELLED = 'mapsync-cancelled-before-send';

function isCancelled(error: unknown): boolean {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e instanceof ConnectorError && (e.vendorCode === CANCELLED || e.vendorCode === BUDGET_UNAVAILABLE))
      return true;
    e = e.cause as { cause?: unknown } | undefined;
  }
  return false;
}

/**
 * Map a got transport error (no usable response after the retries) to a `ConnectorError`.
 * A POST/PATCH that may have reached the server becomes `ambiguous`; everything else is
 * `transport`. The message names method and path only: never the query string, which may
 * carry credentials.
 */
export function transportError(
  system: string,
  error: unknown,
  settings: { sideEffectFree?: boolean } = {},
): ConnectorError {
  if (error instanceof ConnectorError) return error;
  // A hook (e.g. fetching a token) failed with a typed error: got wraps it; unwrap it.
  for (let cause = (error as { cause?: unknown })?.cause, depth = 0; cause && depth < 3; depth++) {
    if (cause instanceof ConnectorError) return cause;
    cause = (cause as { cause?: unknown }).cause;
  }
  const request = requestError && error instanceof requestError ? error : undefined;
  const method = request?.options.method ?? 'GET';
  const path = request?.options.url instanceof URL ? request.options.url.pathname : undefined;
  const code = request?.code ?? 'UNKNOWN';
  const notSent = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH'].includes(code);
  const writes = (method === 'POST' || method === 'PATCH') && !settings.sideEffectFree;
  const kind = writes && !notSent ? 'ambiguous' : 'transport';
  const what = code === 'ETIMEDOUT' ? 'timed out' : `failed (${code})`;
  return new ConnectorError(
    `${system}: ${method} ${path ?? ''} ${what}`,
    { system, kind, method, path },
    { cause: sanitizedCause(error, code) },
  );
}

/**
 * got's errors carry the request options (headers with keys and tokens, URLs with query
 * strings): anything that serialises an error's cause would leak them. Keep only the
 * name, code and a message without URLs.
 */
function sanitizedCause(error: unknown, code: string): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const cause = new Error(source.message.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>'));
  cause.name = source.name;
  (cause as Error & { code?: string }).code = code;
  return cause;
}
