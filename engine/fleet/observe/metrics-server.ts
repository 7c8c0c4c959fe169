/**
 * A worker's or scheduler's own small HTTP server, only when `MAPSYNC_METRICS_PORT` is set:
 * `GET /metrics` (this process's counters, labelled by tenant) and `GET /healthz`. Those
 * roles have no other port; Prometheus scrapes each process and sums. The host check of the
 * service applies here too.
 */
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { hostCheck } from '../../service/host-check.ts';
import type { FleetMetrics } from './fleet-metrics.ts';

export async function startMetricsServer(options: {
  metrics: FleetMetrics;
  host: string;
  port: number;
  hosts: ReadonlySet<string>;
  logger: Logger;
}): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  hostCheck(app, options.hosts, options.logger);
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_request, reply) =>
    reply.type(options.metrics.contentType).send(await options.metrics.text()),
  );
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
