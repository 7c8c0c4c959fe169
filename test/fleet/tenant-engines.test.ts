/**
 * A worker's tenant engines (engine/fleet/roles/tenant-engines.ts) stay within `maxOpen`:
 * opening one more closes the least recently used engine no job is running on; an engine a
 * job holds is never closed (the cap is exceeded instead until the job ends); a closed
 * tenant is opened again on its next job. So a worker's memory does not grow with the
 * number of tenants it serves (docs/fleet.md, "Worker memory against tenants").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors as registry } from '../../engine/connectors/index.ts';
import { RateBudgetHub } from '../../engine/fleet/rate-budget/hub.ts';
import { type TenantEngine, TenantEngines } from '../../engine/fleet/roles/tenant-engines.ts';
import { WorkContext } from '../../engine/fleet/work-context.ts';
import { EvaluatorPool } from '../../engine/mapping/evaluator/pool.ts';
import { loadMappings } from '../../engine/mapping/load.ts';
import { openStore, type StoreBackend } from '../../engine/store/open-store.ts';
import { KeyRing, newMasterKey } from '../../engine/tenants/sealing.ts';
import { TenantRegistry } from '../../engine/tenants/tenant-registry.ts';
import { REPO } from '../e2e/helpers/pair.ts';
import { REDIS_URL, redisMissing, uniqueName } from '../services.ts';

const missing = await redisMissing();

describe.skipIf(missing !== undefined)('tenant engines of a worker', () => {
  let store: StoreBackend;
  let hub: RateBudgetHub;
  let pool: EvaluatorPool;
  let engines: TenantEngines;

  beforeAll(async () => {
    store = openStore('memory://');
    const masterKey = newMasterKey('k1');
    const tenants = new TenantRegistry({ store, registry, keyRing: () => KeyRing.parse(masterKey) });
    for (const id of ['a', 'b', 'c', 'd']) {
      // Never called: the test only opens and closes engines.
      await tenants.add(`shop-${id}`, {
        systems: {
          woocommerce: {
            connector: 'woocommerce',
            url: 'http://127.0.0.1:9/',
            consumer_key: 'ck_test',
            consumer_secret: 'cs_test',
            webhook_secret: 'whsec-test',
          },
          'poweroffice-go': {
            connector: 'poweroffice-go',
            url: 'http://127.0.0.1:9/v2',
            application_key: 'app-key-test',
            client_key: 'client-key-test',
            subscription_key: 'subscription-key-test',
          },
        },
      });
    }
    const { mappings } = await loadMappings([`${REPO}/mappings`], {
      registry,
      schemasDir: `${REPO}/schemas`,
    });
    const work = new WorkContext();
    hub = new RateBudgetHub({ redis: REDIS_URL, prefix: `${uniqueName('mapsync-test')}:`, work });
    pool = new EvaluatorPool({ size: 1 });
    engines = new TenantEngines({
      tenants,
      registry,
      mappings,
      configDir: REPO,
      schemasDir: `${REPO}/schemas`,
      store,
      hub,
      work,
      pool,
      logLevel: 'silent',
      maxOpen: 2,
    });
  }, 60_000);

  afterAll(async () => {
    await engines?.close();
    await hub?.close();
    await pool?.close();
    await store?.close();
  });

  it('keeps at most maxOpen open, closing the least recently used idle one; never one in use', async () => {
    const use = async (tenant: string): Promise<TenantEngine> => engines.get(`shop-${tenant}`);
    engines.release(await use('a'));
    const b = await use('b'); // held by a job
    engines.release(await use('c'));
    // a was the least recently used idle engine.
    expect(engines.openCount).toBe(2);
    expect(engines.evicted).toBe(1);
    // a comes back (built again); b is in use, so c goes.
    const a = await use('a');
    expect(engines.openCount).toBe(2);
    expect(engines.evicted).toBe(2);
    // Every open engine in use: the cap gives way until a job ends.
    const d = await use('d');
    expect(engines.openCount).toBe(3);
    expect(engines.evicted).toBe(2);
    for (const engine of [a, b, d]) engines.release(engine);
    // The next job evicts down to the cap again, least recently used first (b).
    engines.release(await use('d'));
    expect(engines.openCount).toBe(2);
    expect(engines.evicted).toBe(3);
    // The same engine object is kept while open: a second job on a tenant reuses it.
    const again = await use('a');
    expect(again).toBe(a);
    engines.release(again);
  });
});
