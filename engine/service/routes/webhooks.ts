/**
 * `POST /webhooks/:system`. Registered in its own encapsulated context whose only body
 * parser keeps the raw bytes (any content type: deliveries are JSON, the ping is a form),
 * because the signature is computed over the body exactly as sent; re-serialised JSON would
 * not verify. The body limit answers 413 before a byte is parsed.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.ts';

export function webhookRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post<{ Params: { system: string } }>(
      '/webhooks/:system',
      { bodyLimit: ctx.settings.webhookBodyLimit },
      async (request, reply) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const answer = ctx.intake.handle(request.params.system, request.headers, raw);
        return reply.code(answer.status).send(answer.body);
      },
    );
  });
}
