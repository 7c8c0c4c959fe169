/**
 * A worker's tenant engines reduced to one tenant (`shop-1`, one unit `customer`) whose
 * service port the test writes: for tests of the worker role itself (locks, stalls, the
 * write guard), where a real engine would only add sandboxes.
 */
import type { TenantEngine, TenantEngines } from '../../engine/fleet/roles/tenant-engines.ts';
import type { ServiceEngine } from '../../engine/service/ports.ts';

export function oneEngine(port: Partial<ServiceEngine>): TenantEngines {
  const engine = {
    tenant: 'shop-1',
    port: port as ServiceEngine,
    units: [{ name: 'customer', locksWith: [] as string[] }],
    waits: new Map(),
    connectors: new Map(),
    lastUsed: Date.now(),
    close: async () => {},
  } as unknown as TenantEngine;
  return {
    get: async () => engine,
    release: () => {},
    dropIdle: async () => 0,
  } as unknown as TenantEngines;
}
