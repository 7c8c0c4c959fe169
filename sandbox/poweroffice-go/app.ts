/**
 * The sandbox's HTTP layer on top of sandbox/common: one catch-all route that does what
 * PowerOffice Go's gateway and API do, in order: match the route (case-insensitively,
 * with or without the `/Demo` prefix), check the subscription key, count the request
 * against the per-key rate limit (token calls included), check the bearer token (API
 * only), then run the handler and render ProblemDetails for failures.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultConfig } from '../common/faults.ts';
import { createSandboxApp, type SandboxApp } from '../common/server.ts';
import { SlidingWindowLimit } from '../common/sliding-window.ts';
import {
  APIM_INVALID_KEY,
  APIM_MISSING_KEY,
  apimRateLimited,
  type Credentials,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  TokenStore,
} from './auth.ts';
import { settleInvoicing } from './invoicing.ts';
import { Problem, type ProblemCase, problemBody } from './problem.ts';
import { Query } from './query.ts';
import { type Context, matchRoute, type Reply } from './routes.ts';
import type { PowerOfficeState } from './state.ts';

export interface Settings {
  /** Requests per second per subscription key, or false for no limit. */
  rateLimit: number | false;
  problemCase: ProblemCase;
  /** Send the (undocumented) X-Pagination header on lists (default true). */
  paginationHeader: boolean;
}

export interface PowerOfficeApp extends SandboxApp {
  settings: Settings;
  tokens: TokenStore;
}

const JSON_TYPES = /^(application\/json-patch\+json|text\/json|application\/[\w.-]+\+json)\b/i;

export function buildApp(
  state: PowerOfficeState,
  credentials: Credentials,
  settings: Settings,
  faults?: FaultConfig,
): PowerOfficeApp {
  const sandbox = createSandboxApp({
    faults,
    renderFault(kind, reply) {
      if (kind === '429') {
        // The gateway's throttling body; the header is undocumented for the real service,
        // so injected 429s leave it out (clients must then wait their own ≥ 1 s).
        return reply.code(429).type('application/json').send(apimRateLimited(1));
      }
      if (kind === '500') {
        return reply.code(500).type('application/problem+json; charset=utf-8').send({
          type: 'https://tools.ietf.org/html/rfc7231#section-6.6.1',
          title: 'An error occurred while processing your request.',
          status: 500,
        });
      }
      const text = kind === '502' ? 'Bad Gateway' : 'Service Unavailable';
      return reply
        .code(Number(kind))
        .type('text/html')
        .send(
          `<html><head><title>${kind} ${text}</title></head><body><h1>${kind} ${text}</h1></body></html>`,
        );
    },
  });
  const { app } = sandbox;
  const tokens = new TokenStore(credentials);
  const limit = new SlidingWindowLimit(typeof settings.rateLimit === 'number' ? settings.rateLimit : 1, 1000);

  // ASP.NET reads an empty body as "no body" (DELETE/GET with a Content-Type header are
  // fine); a non-empty body must be valid JSON.
  const jsonParser = app.getDefaultJsonParser('ignore', 'ignore');
  const lenientJson: typeof jsonParser = (request, body, done) => {
    if (body === '' || (Buffer.isBuffer(body) && body.length === 0)) return done(null, undefined);
    return jsonParser(request, body, done);
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, lenientJson);
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, lenientJson);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  const sendProblem = (reply: FastifyReply, request: FastifyRequest, problem: Problem) =>
    // A missing privilege is a bare 403, as for every operation of the real API.
    problem.status === 403
      ? reply.code(403).send()
      : reply
          .code(problem.status)
          .type('application/problem+json; charset=utf-8')
          .send(problemBody(problem, request.url.split('?')[0]!, settings.problemCase));

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof Problem) return sendProblem(reply, request, error);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 415) return reply.code(415).send();
    if (status >= 400 && status < 500) {
      return sendProblem(
        reply,
        request,
        new Problem(status, 'One or more validation errors occurred.', undefined, {
          $: [(error as Error).message],
        }),
      );
    }
    return sendProblem(reply, request, new Problem(500, 'An error occurred while processing your request.'));
  });

  app.route({
    method: ['GET', 'POST', 'PATCH', 'DELETE', 'PUT'],
    url: '/*',
    handler: async (request, reply) => {
      const path = request.url.split('?')[0]!;
      const segments = path
        .split('/')
        .filter(Boolean)
        .map((s) => decodeURIComponent(s));
      if (segments[0]?.toLowerCase() === 'demo') segments.shift();
      const isToken =
        segments.length === 2 &&
        segments[0]!.toLowerCase() === 'oauth' &&
        segments[1]!.toLowerCase() === 'token';
      const isApi = segments[0]?.toLowerCase() === 'v2';
      const match = isApi ? matchRoute(request.method, segments.slice(1)) : undefined;
      if (!isToken && match === undefined) {
        return reply.code(404).send({ statusCode: 404, message: 'Resource not found' });
      }

      // API Management: subscription key, then the per-key rate limit.
      const key = TokenStore.subscriptionKeyOf(request.headers, request.query as Record<string, unknown>);
      if (key === undefined) return reply.code(401).send(APIM_MISSING_KEY);
      if (!tokens.subscriptionValid(key)) return reply.code(401).send(APIM_INVALID_KEY);
      if (settings.rateLimit !== false) {
        limit.limit = settings.rateLimit;
        const waitMs = limit.hit(key);
        if (waitMs > 0) {
          const seconds = Math.max(1, Math.ceil(waitMs / 1000));
          return reply.code(429).header('retry-after', String(seconds)).send(apimRateLimited(seconds));
        }
      }

      if (isToken) {
        if (request.method !== 'POST') return reply.code(405).send();
        const form = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<
          string,
          string
        >;
        const lifetime = sandbox.faults.current().tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
        const result = tokens.issue(request.headers.authorization, form, lifetime);
        reply.header('cache-control', 'no-store');
        return result.ok ? reply.code(200).send(result.body) : reply.code(result.status).send(result.body);
      }

      if (!tokens.bearerValid(request.headers.authorization)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send();
      }
      if (match === 'method-not-allowed' || match === undefined) return reply.code(405).send();
      if (
        request.method === 'PATCH' &&
        !/^application\/json-patch\+json\b/i.test(request.headers['content-type'] ?? '')
      ) {
        // ASP.NET's JsonPatch input formatter only takes application/json-patch+json.
        return reply.code(415).send();
      }

      // Send requests that are due complete before anything reads (invoicing.ts); GETs
      // read through the replica, which may lag behind writes (replica.ts).
      settleInvoicing(state);
      const prefix = path.slice(0, path.toLowerCase().indexOf('/v2') + 3);
      const ctx: Context = {
        state: request.method === 'GET' ? state.readView() : state,
        primary: state,
        base: `${request.protocol}://${request.headers.host ?? request.hostname}${prefix}`,
        query: new Query(request.query as Record<string, unknown>),
        body: request.body,
        params: match.params,
        url: request.url,
      };
      let result: Reply;
      try {
        if (request.method === 'PATCH') state.beforePatch?.(segments.slice(1).join('/'));
        result = match.route.handler(ctx);
      } catch (error) {
        if (error instanceof Problem) return sendProblem(reply, request, error);
        throw error;
      }
      for (const [k, v] of Object.entries(result.headers ?? {})) {
        if (k === 'x-pagination' && !settings.paginationHeader) continue;
        reply.header(k, v);
      }
      reply.code(result.status);
      if (result.body === undefined) return reply.send();
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(result.body));
    },
  });

  return { ...sandbox, settings, tokens };
}
