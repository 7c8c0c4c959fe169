/** `GET /api/status`: the JSON the status page polls. */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.ts';

export function statusRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/api/status', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return ctx.status.status();
  });
}
