/**
 * `mapsync playground`: the playground alone, on its own small Fastify server — no store, no
 * schedules, no system credentials. The same Host check as `mapsync serve` (421 for a name
 * that is not an address of this machine: DNS rebinding), the routes' own guards, and, when
 * given, a session token (the CLI makes one per start and prints it in the address, as
 * Jupyter does): 127.0.0.1 is reachable by every local user and process, and the API writes
 * mapping files with the rights of whoever started it.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AdminAuth } from '../service/admin-auth.ts';
import { hostCheck } from '../service/host-check.ts';
import { Playground, type PlaygroundOptions } from './playground.ts';
import { playgroundRoutes } from './routes.ts';

export interface PlaygroundServerOptions extends PlaygroundOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Host names answered besides IP addresses and localhost. */
  hosts?: readonly string[];
  /** Required as `Authorization: Bearer <token>` on the API; absent: none (tests, embedding). */
  token?: string;
}

export interface PlaygroundServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly playground: Playground;
  close(): Promise<void>;
}

export async function startPlaygroundServer(options: PlaygroundServerOptions): Promise<PlaygroundServer> {
  const playground = new Playground(options);
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: error.message });
    options.logger.error(
      { err: error, method: request.method, url: request.url.split('?')[0] },
      'request failed',
    );
    return reply.code(500).send({ error: 'internal error' });
  });
  hostCheck(app, new Set(options.hosts ?? []), options.logger);
  app.get('/', async (_request, reply) => reply.redirect('/playground'));
  const auth = options.token ? new AdminAuth(options.token) : undefined;
  playgroundRoutes(app, {
    playground,
    ...(auth ? { authorize: (request) => auth.check(request.headers.authorization) } : {}),
  });
  try {
    const address = new URL(await app.listen({ host: options.host, port: options.port }));
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    return {
      url: `http://${host}:${address.port}`,
      app,
      playground,
      async close() {
        await app.close();
        await playground.close();
      },
    };
  } catch (error) {
    await playground.close();
    throw error;
  }
}
