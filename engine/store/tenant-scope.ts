/**
 * One tenant's view of a shared store: every namespace it names is stored as
 * `tenant.<id>.<namespace>` (so a mapping's links are `tenant.acme.mapsync.v1.customer.links`),
 * which keeps tenants apart in one SQLite file or one PostgreSQL table without the engine
 * knowing: it sees the usual `mapsync.v1.*` layout (docs/store-layout.md). Tenant ids hold
 * no `.`, so one tenant's prefix is never the start of another's.
 *
 * The view does not own the store: closing it does nothing; the fleet closes the store.
 */
import type { StoreBackend } from './open-store.ts';

/** Tenant ids: lowercase letters, digits and `-`, 1–63 characters, starting with a letter or digit. */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function tenantPrefix(tenantId: string): string {
  if (!TENANT_ID.test(tenantId)) {
    throw new Error(`invalid tenant id "${tenantId}": use lowercase letters, digits and "-" (1–63)`);
  }
  return `tenant.${tenantId}.`;
}

export function tenantStore(backend: StoreBackend, tenantId: string): StoreBackend {
  const prefix = tenantPrefix(tenantId);
  return {
    description: `${backend.description} (tenant ${tenantId})`,
    namespace: (name) => backend.namespace(`${prefix}${name}`),
    writeMany: (writes) =>
      backend.writeMany(writes.map((w) => ({ ...w, namespace: `${prefix}${w.namespace}` }))),
    dropNamespaces: (inner) => backend.dropNamespaces(`${prefix}${inner}`),
    // Fence keys name their tenant already (the lock keys, engine/fleet/locks).
    ...(backend.writeFenced
      ? {
          writeFenced: (ops, fences) =>
            backend.writeFenced!(
              ops.map((op) => ({ ...op, namespace: `${prefix}${op.namespace}` })),
              fences,
            ),
        }
      : {}),
    async close() {},
  };
}

/** Delete every entry a tenant has in the store (its links, cursors, intents, failed records). */
export function dropTenantState(backend: StoreBackend, tenantId: string): Promise<number> {
  return backend.dropNamespaces(tenantPrefix(tenantId));
}
