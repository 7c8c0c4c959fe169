/**
 * The HTTP skeleton both sandboxes share: a Fastify app with fault injection, a request log
 * and the admin endpoints under `/__admin`. Each sandbox adds its own API routes and says
 * how its vendor renders a 429 or a 5xx.
 *
 * Admin endpoints (no vendor auth; sandboxes listen on loopback only):
 * - `GET /__admin/requests?since=SEQ`: the request log (`{ mark, requests }`)
 * - `DELETE /__admin/requests`: clear it
 * - `GET /__admin/faults`, `PUT /__admin/faults`: read / replace the fault config
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type FaultConfig, FaultInjector, type FaultKind } from './faults.ts';
import { RequestLog } from './request-log.ts';

export type StatusFault = Extract<FaultKind, '429' | '500' | '502' | '503'>;

export interface SandboxAppOptions {
  /** Renders an injected 429/5xx the way the vendor (or the proxy in front of it) would. */
  renderFault(kind: StatusFault, reply: FastifyReply): FastifyReply;
  faults?: FaultConfig;
  /** Largest accepted request body (default 5 MB). */
  bodyLimit?: number;
  /** Paths that bypass faults and logging (besides `/__admin`). */
  quietPrefixes?: string[];
  /** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP. */
  https?: { key: string; cert: string };
}

export interface SandboxApp {
  app: FastifyInstance;
  faults: FaultInjector;
  log: RequestLog;
}

declare module 'fastify' {
  interface FastifyRequest {
    sandboxStart?: number;
    sandboxFault?: FaultKind;
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function createSandboxApp(options: SandboxAppOptions): SandboxApp {
  const faults = new FaultInjector(options.faults);
  const log = new RequestLog();
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 5 * 1024 * 1024,
    logger: false,
    forceCloseConnections: true,
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  const quiet = ['/__admin', ...(options.quietPrefixes ?? [])];
  const isQuiet = (request: FastifyRequest) => quiet.some((p) => request.url.startsWith(p));
  const pathOf = (request: FastifyRequest) => request.url.split('?')[0]!;

  const record = (request: FastifyRequest, status: number, fault?: string) => {
    // One clock reading for both, so that `at - durationMs` is exactly when the request came in.
    const now = Date.now();
    log.add({
      at: new Date(now).toISOString(),
      method: request.method,
      path: pathOf(request),
      query: request.query as Record<string, unknown>,
      status,
      durationMs: now - (request.sandboxStart ?? now),
      ...(fault ? { fault } : {}),
      ...(WRITE_METHODS.has(request.method) && request.body !== undefined ? { body: request.body } : {}),
    });
  };

  app.addHook('onRequest', async (request, reply) => {
    request.sandboxStart = Date.now();
    if (isQuiet(request)) return;
    const latency = faults.latency();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const fault = faults.draw();
    if (!fault) return;
    request.sandboxFault = fault;
    if (fault === 'reset') {
      record(request, 0, fault);
      request.raw.socket.destroy();
      return reply.hijack();
    }
    if (fault === 'timeout' && !WRITE_METHODS.has(request.method)) {
      record(request, 0, fault);
      reply.hijack();
      return;
    }
    if (fault === '429' || fault === '500' || fault === '502' || fault === '503') {
      return options.renderFault(fault, reply);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const fault = request.sandboxFault;
    if (
      fault === 'malformed' &&
      reply.statusCode < 300 &&
      typeof payload === 'string' &&
      payload.length > 1
    ) {
      return payload.slice(0, Math.max(1, Math.floor(payload.length / 2)));
    }
    if (fault === 'timeout') {
      // The write has been applied; the client never hears about it.
      record(request, 0, 'timeout');
      await new Promise((resolve) => request.raw.socket.once('close', resolve));
    }
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (isQuiet(request) || request.sandboxFault === 'timeout') return;
    record(request, reply.statusCode, request.sandboxFault);
  });

  app.get('/__admin/requests', async (request) => {
    const since = Number((request.query as { since?: string }).since ?? 0);
    return { mark: log.mark(), requests: log.list(since) };
  });
  app.delete('/__admin/requests', async () => {
    log.clear();
    return { ok: true };
  });
  app.get('/__admin/faults', async () => ({ config: faults.current(), injected: faults.injected }));
  app.put('/__admin/faults', async (request) => {
    faults.configure((request.body ?? {}) as FaultConfig);
    return { config: faults.current() };
  });

  return { app, faults, log };
}

/** Listen on loopback (port 0 = any free port); returns the base URL. */
/** Connections the server holds open now (keep-alive included): the conformance suite's check that a closed connector lets go of its sockets. */
export function openConnections(app: FastifyInstance): Promise<number> {
  return new Promise((resolve, reject) =>
    app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

export async function listenLoopback(app: FastifyInstance, port = 0, host = '127.0.0.1'): Promise<string> {
  const address = await app.listen({ port, host });
  return address.replace('localhost', '127.0.0.1');
}
