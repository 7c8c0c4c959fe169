/** `GET /metrics`: Prometheus text exposition of this service's registry. */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.ts';

export function metricsRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await ctx.metrics.text();
    return reply.type(ctx.metrics.contentType).send(text);
  });
}
