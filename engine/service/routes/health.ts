/** `GET /healthz` (the process answers) and `GET /readyz` (it can do its job). */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.ts';

export function healthRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (ctx.isDraining()) return reply.code(503).send({ ready: false, draining: true });
    const report = await ctx.readiness.report();
    return reply.code(report.ready ? 200 : 503).send(report);
  });
}
