/**
 * The fleet's tenants, kept in the store itself (namespace `mapsync.fleet.v1.tenants`, one
 * record per tenant): PostgreSQL in a fleet, the SQLite file works too. This is the module
 * the CLI (`mapsync tenant …`) and the admin API call.
 *
 * A tenant's secret options (the connector's `secretKeys`) are sealed with the master key
 * (sealing.ts) before they reach the store and are opened only by `systems()`, which the
 * composition root calls to build the tenant's connectors. Nothing here returns, prints or
 * logs a secret in clear; `view()` masks them.
 */
import type { SystemConfig } from '../config/load-config.ts';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { ConfigError } from '../errors.ts';
import type { StoreBackend } from '../store/open-store.ts';
import { dropTenantState, TENANT_ID } from '../store/tenant-scope.ts';
import type { KeyRing, SealedSecret } from './sealing.ts';
import type { TenantInput } from './tenant-input.ts';

export const TENANTS_NAMESPACE = 'mapsync.fleet.v1.tenants';

export interface StoredSystem {
  connector: string;
  /** Options that are not secret, as given. */
  options: Record<string, unknown>;
  /** Secret options, sealed. */
  secrets: Record<string, SealedSecret>;
}

export interface TenantRecord {
  v: 1;
  id: string;
  name?: string;
  mappings?: string;
  systems: Record<string, StoredSystem>;
  createdAt: string;
  updatedAt: string;
}

/** What `mapsync tenant show` prints: secrets replaced by a mark saying which key sealed them. */
export interface TenantView extends Omit<TenantRecord, 'v' | 'systems'> {
  systems: Record<string, Record<string, unknown>>;
}

export interface TenantRegistryOptions {
  store: StoreBackend;
  registry: ConnectorRegistry;
  /** The master key ring, parsed only when a secret is sealed or opened. */
  keyRing: () => KeyRing;
  now?: () => Date;
}

export class TenantRegistry {
  private readonly now: () => Date;

  constructor(private readonly options: TenantRegistryOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private get records() {
    return this.options.store.namespace<TenantRecord>(TENANTS_NAMESPACE);
  }

  /** Add a tenant (checked beforehand: tenant-input.ts); `replace` overwrites an existing one. */
  async add(id: string, input: TenantInput, options: { replace?: boolean } = {}): Promise<TenantRecord> {
    assertId(id);
    const existing = await this.records.get(id);
    if (existing && !options.replace) {
      throw new ConfigError('TENANT_EXISTS', `tenant "${id}" exists; use --replace to overwrite it`);
    }
    const ring = this.options.keyRing();
    const systems: Record<string, StoredSystem> = {};
    for (const [name, system] of Object.entries(input.systems)) {
      const secretKeys = this.options.registry.get(system.connector)?.secretKeys ?? [];
      const stored: StoredSystem = { connector: system.connector, options: {}, secrets: {} };
      for (const [key, value] of Object.entries(system)) {
        if (key === 'connector' || value === undefined || value === '') continue;
        if (secretKeys.includes(key)) stored.secrets[key] = ring.seal(String(value), context(id, name, key));
        else stored.options[key] = value;
      }
      systems[name] = stored;
    }
    const at = this.now().toISOString();
    const record: TenantRecord = {
      v: 1,
      id,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.mappings !== undefined ? { mappings: input.mappings } : {}),
      systems,
      createdAt: existing?.createdAt ?? at,
      updatedAt: at,
    };
    await this.records.set(id, record);
    return record;
  }

  async get(id: string): Promise<TenantRecord | undefined> {
    assertId(id);
    return this.records.get(id);
  }

  /** Every tenant, by id. */
  async list(): Promise<TenantRecord[]> {
    const all: TenantRecord[] = [];
    for await (const [, record] of this.records.entries()) all.push(record);
    return all.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The tenant as `show` prints it: every secret masked. */
  async view(id: string): Promise<TenantView> {
    const record = await this.require(id);
    const { v: _, systems, ...rest } = record;
    return {
      ...rest,
      systems: Object.fromEntries(
        Object.entries(systems).map(([name, s]) => [
          name,
          {
            connector: s.connector,
            ...s.options,
            ...Object.fromEntries(
              Object.entries(s.secrets).map(([k, sealed]) => [k, `******** (sealed, key ${sealed.kid})`]),
            ),
          },
        ]),
      ),
    };
  }

  /**
   * The tenant's systems with their secrets opened, for building its connectors, plus the
   * secret values for the logger to scrub. Only the composition root calls this.
   */
  async systems(id: string): Promise<{ systems: Record<string, SystemConfig>; secrets: string[] }> {
    const record = await this.require(id);
    const ring = this.options.keyRing();
    const secrets: string[] = [];
    const systems: Record<string, SystemConfig> = {};
    for (const [name, stored] of Object.entries(record.systems)) {
      const system: SystemConfig = { connector: stored.connector, ...stored.options };
      for (const [key, sealed] of Object.entries(stored.secrets)) {
        const value = ring.open(sealed, context(id, name, key));
        secrets.push(value);
        system[key] = value;
      }
      systems[name] = system;
    }
    return { systems, secrets };
  }

  /** Remove a tenant; with `purgeState` also its links, cursors, intents and failed records. */
  async remove(id: string, options: { purgeState?: boolean } = {}): Promise<{ stateEntries: number }> {
    await this.require(id);
    const stateEntries = options.purgeState ? await dropTenantState(this.options.store, id) : 0;
    await this.records.delete(id);
    return { stateEntries };
  }

  /**
   * Seal every secret sealed with an older key again with the active one (the first of
   * MAPSYNC_MASTER_KEY). Each tenant is rewritten in one write; running it twice is harmless.
   */
  async rotateKey(): Promise<{ tenants: number; secrets: number; activeKey: string }> {
    const ring = this.options.keyRing();
    let tenants = 0;
    let secrets = 0;
    for (const record of await this.list()) {
      let changed = 0;
      for (const [name, stored] of Object.entries(record.systems)) {
        for (const [key, sealed] of Object.entries(stored.secrets)) {
          if (sealed.kid === ring.activeId) continue;
          const where = context(record.id, name, key);
          stored.secrets[key] = ring.seal(ring.open(sealed, where), where);
          changed++;
        }
      }
      if (changed === 0) continue;
      record.updatedAt = this.now().toISOString();
      await this.records.set(record.id, record);
      tenants++;
      secrets += changed;
    }
    return { tenants, secrets, activeKey: ring.activeId };
  }

  private async require(id: string): Promise<TenantRecord> {
    const record = await this.get(id);
    if (!record) throw new ConfigError('TENANT_UNKNOWN', `no tenant "${id}"`);
    return record;
  }
}

function assertId(id: string): void {
  if (!TENANT_ID.test(id)) {
    throw new ConfigError(
      'TENANT_BAD_ID',
      `tenant id "${id}": lowercase letters, digits and "-", 1–63 characters, starting with a letter or digit`,
    );
  }
}

/** What a sealed value is bound to (AES-GCM associated data); also names it in errors. */
function context(tenant: string, system: string, option: string): string {
  return `tenant ${tenant}, system ${system}, ${option}`;
}
