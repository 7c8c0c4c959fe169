/**
 * The service's HTTP server: Fastify with its routes, a small body limit (webhooks have
 * their own), and an error handler that answers client errors with their status and logs
 * only server errors. Fastify's own request logging stays off: normal operation is quiet.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { ServiceContext } from './context.ts';
import { hostCheck } from './host-check.ts';
import { adminRoutes } from './routes/admin.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { statusRoutes } from './routes/status.ts';
import { uiRoutes } from './routes/ui.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export function createServer(ctx: ServiceContext, hosts: ReadonlySet<string>): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
    // Webhook deliveries never wait long for an answer; a slow client must not hold a socket.
    requestTimeout: 30_000,
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) {
      if (status === 413 && request.url.startsWith('/webhooks/')) {
        const segment = request.url.split('/')[2]?.split('?')[0] ?? '';
        const system = ctx.intake.resolve(segment)?.name ?? 'unknown';
        ctx.metrics.webhook(system, 'too_large');
        ctx.logger.warn({ system, limit: ctx.settings.webhookBodyLimit }, 'webhook refused: body too large');
      }
      return reply.code(status).send({ error: error.message });
    }
    ctx.logger.error(
      { err: error, method: request.method, url: request.url.split('?')[0] },
      'request failed',
    );
    return reply.code(500).send({ error: 'internal error' });
  });

  // Before every route: only requests addressed to this service (host-check.ts).
  hostCheck(app, hosts, ctx.logger);
  healthRoutes(app, ctx);
  metricsRoutes(app, ctx);
  webhookRoutes(app, ctx);
  statusRoutes(app, ctx);
  adminRoutes(app, ctx);
  uiRoutes(app);
  return app;
}
