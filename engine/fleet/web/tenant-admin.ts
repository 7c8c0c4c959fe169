/**
 * The admin API for a fleet's tenants, on the web role (docs/operations.md, "Running a
 * fleet"): the same operations as `mapsync tenant`, every route behind the admin token.
 *
 * - `GET /api/tenants`: every tenant, secrets masked (`TenantRegistry.view`);
 * - `GET /api/tenants/:id`: one tenant, masked;
 * - `POST /api/tenants/:id`: add it from a tenant file sent as the body (YAML or JSON: JSON
 *   is YAML), checked exactly as `tenant add` checks a file; `PUT` adds or replaces;
 * - `DELETE /api/tenants/:id` (`?purge_state=true` also deletes its links, cursors, intents
 *   and failed records).
 *
 * Secrets: a body's values are sealed on the way in and never come back — answers carry the
 * masked view; a problem's message that would quote a secret value has it replaced; logs
 * name the tenant and the operation only. `${VAR}` references are not filled over HTTP (the
 * server's environment is not the caller's to read): they are refused as missing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { parse } from 'yaml';
import type { SystemConfig } from '../../config/load-config.ts';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import { formatDiagnostic } from '../../diagnostics/diagnostic.ts';
import { ConfigError } from '../../errors.ts';
import type { AdminAuth } from '../../service/admin-auth.ts';
import { parseTenantFile } from '../../tenants/tenant-input.ts';
import type { TenantRegistry } from '../../tenants/tenant-registry.ts';

export interface TenantAdminOptions {
  tenants: TenantRegistry;
  registry: ConnectorRegistry;
  admin: AdminAuth;
  /** mapsync.yaml's systems: a tenant must match them. */
  shared: Record<string, SystemConfig>;
  configDir: string;
  schemasDir: string;
  logger: Logger;
  /** Called after a tenant changed or went (the web drops its cached verifiers). */
  changed(id: string): void;
}

type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: Record<string, string> }>;

/** Registry errors → HTTP status. */
const STATUS: Record<string, number> = {
  TENANT_UNKNOWN: 404,
  TENANT_BAD_ID: 400,
  TENANT_EXISTS: 409,
  TENANT_MASTER_KEY_MISSING: 503,
  TENANT_MASTER_KEY_INVALID: 503,
};

export function tenantAdminRoutes(app: FastifyInstance, options: TenantAdminOptions): void {
  app.register(async (scope) => {
    // A tenant file as sent, YAML or JSON: problems are located in the caller's own text.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    scope.addHook('onRequest', async (request, reply) => {
      const decision = options.admin.check(request.headers.authorization);
      if (!decision.ok) return reply.code(decision.status).send({ error: decision.error });
    });

    const failed = (reply: FastifyReply, error: unknown) => {
      if (!(error instanceof ConfigError)) throw error;
      return reply.code(STATUS[error.code] ?? 500).send({ error: error.message, code: error.code });
    };

    scope.get('/api/tenants', async () => {
      const all = await options.tenants.list();
      return { tenants: await Promise.all(all.map((t) => options.tenants.view(t.id))) };
    });

    scope.get('/api/tenants/:id', async (request: IdRequest, reply) => {
      try {
        return await options.tenants.view(request.params.id);
      } catch (error) {
        return failed(reply, error);
      }
    });

    const save = (replace: boolean) => async (request: IdRequest, reply: FastifyReply) => {
      const { id } = request.params;
      const text = typeof request.body === 'string' ? request.body : '';
      const parsed = await parseTenantFile(text, '<body>', {
        env: {},
        registry: options.registry,
        schemasDir: options.schemasDir,
        shared: options.shared,
        configDir: options.configDir,
      });
      if (!parsed.input) {
        const redact = redactor(text, options.registry);
        return reply.code(400).send({
          error: 'the tenant file has problems; nothing was stored',
          problems: parsed.diagnostics.map((d) => redact(formatDiagnostic(d))),
        });
      }
      try {
        const record = await options.tenants.add(id, parsed.input, { replace });
        options.changed(id);
        options.logger.info({ tenant: id, replace }, 'tenant saved through the admin API');
        return reply.code(replace ? 200 : 201).send(await options.tenants.view(record.id));
      } catch (error) {
        return failed(reply, error);
      }
    };
    scope.post('/api/tenants/:id', save(false));
    scope.put('/api/tenants/:id', save(true));

    scope.delete('/api/tenants/:id', async (request: IdRequest, reply) => {
      const purgeState = request.query.purge_state === 'true';
      try {
        const { stateEntries } = await options.tenants.remove(request.params.id, { purgeState });
        options.changed(request.params.id);
        options.logger.info(
          { tenant: request.params.id, purgeState },
          'tenant removed through the admin API',
        );
        return { ok: true, removed: request.params.id, stateEntries };
      } catch (error) {
        return failed(reply, error);
      }
    });
  });
}

/**
 * Problems are about the caller's own text, but a connector's option check might quote a
 * value: the secret options' values of the body are masked in the messages.
 */
function redactor(text: string, registry: ConnectorRegistry): (message: string) => string {
  const values = new Set<string>();
  try {
    const body = parse(text) as { systems?: Record<string, Record<string, unknown>> } | null;
    for (const system of Object.values(body?.systems ?? {})) {
      const secretKeys = registry.get(String(system?.connector))?.secretKeys ?? [];
      for (const key of secretKeys) {
        const value = system[key];
        if (value !== undefined && value !== null && String(value) !== '') values.add(String(value));
      }
    }
  } catch {
    // Not parseable: the problems are then about its syntax, which quotes no values.
  }
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return (message) => sorted.reduce((m, v) => m.split(v).join('********'), message);
}
