/**
 * The fleet's status pages and their JSON, on the web role (docs/operations.md, "Running a
 * fleet"): `GET /` the tenant list, `GET /tenants/<id>` a page per tenant, `GET /api/status`
 * and `GET /api/status/tenants/<id>` behind them, and `GET /metrics` (this process's
 * counters, labelled by tenant). Unauthenticated, as the single process's: what they show
 * carries no option values and no secrets (fleet-status.ts).
 */
import type { FastifyInstance } from 'fastify';
import { uiRoutes } from '../../service/routes/ui.ts';
import { TENANT_ID } from '../../store/tenant-scope.ts';
import type { FleetMetrics } from '../observe/fleet-metrics.ts';
import type { FleetStatus } from './fleet-status.ts';

export function fleetStatusRoutes(app: FastifyInstance, status: FleetStatus, metrics: FleetMetrics): void {
  uiRoutes(app, { file: 'fleet.html', paths: ['/', '/tenants/:id'] });

  app.get('/api/status', async () => status.overview());

  app.get<{ Params: { id: string } }>('/api/status/tenants/:id', async (request, reply) => {
    const { id } = request.params;
    const tenant = TENANT_ID.test(id) ? await status.tenant(id) : undefined;
    if (!tenant) return reply.code(404).send({ error: `no tenant "${id}"` });
    return tenant;
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
}
