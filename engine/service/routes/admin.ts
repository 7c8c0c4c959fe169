/**
 * State-changing endpoints, all behind the admin token (admin-auth.ts):
 * - `POST /api/mappings/:name/retry` `{id?}`: retry one failed record, or all of the mapping;
 * - `POST /api/mappings/:name/pause`, `.../resume`;
 * - `POST /api/mappings/:name/run` `{mode?: "incremental" | "full"}`: run as soon as free.
 * A retry waits for the mapping's lock (a run may be in progress); after `RETRY_WAIT_MS` the
 * answer is 202 and the retry finishes in the background.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../context.ts';

const RETRY_WAIT_MS = 10_000;

type MappingRequest = FastifyRequest<{ Params: { name: string }; Body: unknown }>;

export function adminRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const guard = async (request: MappingRequest, reply: FastifyReply) => {
    const decision = ctx.admin.check(request.headers.authorization);
    if (!decision.ok) return reply.code(decision.status).send({ error: decision.error });
    if (ctx.isDraining()) return reply.code(503).send({ error: 'shutting down' });
    if (!ctx.scheduler.has(request.params.name)) {
      return reply.code(404).send({ error: `no mapping "${request.params.name}"` });
    }
  };

  app.post('/api/mappings/:name/retry', { preHandler: guard }, async (request: MappingRequest, reply) => {
    const body = (request.body ?? {}) as { id?: unknown };
    const id = typeof body.id === 'string' && body.id !== '' ? body.id : undefined;
    const mapping = request.params.name;
    ctx.logger.info({ mapping, id: id ?? 'all' }, 'retry requested');
    const job = ctx.scheduler.exclusive(mapping, (signal) => ctx.engine.retryFailed(mapping, id, signal));
    job.then(
      () => ctx.status.invalidate(mapping),
      (error) => ctx.logger.warn({ err: error, mapping }, 'retry failed'),
    );
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      job,
      new Promise<'pending'>((resolve) => {
        timer = setTimeout(() => resolve('pending'), RETRY_WAIT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    if (result === 'pending') return reply.code(202).send({ accepted: true });
    return { ok: true, ...result };
  });

  app.post('/api/mappings/:name/pause', { preHandler: guard }, async (request: MappingRequest) => {
    ctx.scheduler.pause(request.params.name);
    ctx.logger.info({ mapping: request.params.name }, 'mapping paused');
    return { ok: true, paused: true };
  });

  app.post('/api/mappings/:name/resume', { preHandler: guard }, async (request: MappingRequest) => {
    ctx.scheduler.resume(request.params.name);
    ctx.logger.info({ mapping: request.params.name }, 'mapping resumed');
    return { ok: true, paused: false };
  });

  app.post('/api/mappings/:name/run', { preHandler: guard }, async (request: MappingRequest, reply) => {
    const body = (request.body ?? {}) as { mode?: unknown };
    const mode = body.mode ?? 'incremental';
    if (mode !== 'incremental' && mode !== 'full') {
      return reply.code(400).send({ error: 'mode must be "incremental" or "full"' });
    }
    ctx.scheduler.requestRun(request.params.name, mode);
    return reply.code(202).send({ accepted: true, mode });
  });
}
