/**
 * The playground inside `mapsync serve`, at `/playground`: the project's mappings, records
 * fetched live by id through the service's own connectors (`get` only: read-only), and every
 * API request behind the admin token (the page itself is static and holds nothing). The
 * service's Host check and error handler apply as to every other route.
 */
import { relative } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { Connector } from '../connectors/types.ts';
import type { AdminAuth } from '../service/admin-auth.ts';
import { Playground } from './playground.ts';
import { playgroundRoutes } from './routes.ts';

export interface ServicePlaygroundOptions {
  cwd: string;
  mappingsDir: string;
  systems: Readonly<Record<string, { connector: string }>>;
  registry: ConnectorRegistry;
  schemasDir: string;
  connectors: ReadonlyMap<string, Connector>;
}

export function servicePlayground(options: ServicePlaygroundOptions): Playground {
  return new Playground({
    workspace: {
      root: options.cwd,
      paths: [relative(options.cwd, options.mappingsDir) || '.'],
      registry: options.registry,
      schemasDir: options.schemasDir,
      systems: options.systems,
    },
    fetchRecord: async (system, entity, id) => {
      const connector = options.connectors.get(system);
      if (!connector) throw new Error(`no system "${system}"`);
      return connector.get(entity, id);
    },
    // The service compiled its mappings at start; a saved file is what the next start runs.
    saveNote:
      'the running service goes on with the mappings it started with: restart it to run the saved file',
  });
}

export function mountPlayground(app: FastifyInstance, playground: Playground, admin: AdminAuth): void {
  playgroundRoutes(app, {
    playground,
    authorize: (request) => admin.check(request.headers.authorization),
  });
}
