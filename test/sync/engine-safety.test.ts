import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import { StoreError } from '../../engine/errors.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState, type NamespaceStore, type StateBackend } from '../../engine/store/sync-state.ts';
import { customerMapping, makeEngine } from './helpers/setup.ts';

const alice = {
  id: '1',
  email: 'alice@example.com',
  first_name: 'Alice',
  last_name: 'A',
  billing: { city: 'Oslo' },
};
const bob = {
  id: '2',
  email: 'bob@example.com',
  first_name: 'Bob',
  last_name: 'B',
  billing: { city: 'Bergen' },
};

describe('crash-safe creates', () => {
  it('an intent left by a crash after the create is resolved by the guard: linked, not created again', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    // What a run killed between the create and the link leaves behind:
    erp.system.seed('customer', [
      {
        Id: '500',
        IsPerson: true,
        ExternalImportReference: '1',
        EmailAddress: 'alice@example.com',
        FirstName: 'Alice',
        LastName: 'A',
        Name: 'Alice A',
        MailAddress: { City: 'Oslo' },
      },
    ]);
    const state = new MappingState('customer', store);
    await state.setIntent('source', '1', {
      guard: { field: 'ExternalImportReference', value: '1' },
      side: 'target',
      at: new Date(Date.UTC(2025, 5, 1)).toISOString(),
      payloadHash: 'x',
    });
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    expect(erp.system.writes.filter((w) => w.method === 'create')).toHaveLength(0);
    expect(await state.getLink('1')).toMatchObject({ targetId: '500', origin: 'recovered' });
    expect(await state.getIntent('source', '1')).toBeUndefined();
    expect(erp.system.writes).toHaveLength(0);
  });

  it('an intent whose create never happened is dropped and the record created normally', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    const state = new MappingState('customer', store);
    await state.setIntent('source', '1', {
      guard: { field: 'ExternalImportReference', value: '1' },
      side: 'target',
      at: new Date().toISOString(),
      payloadHash: 'x',
    });
    await engine.run();
    expect(erp.system.writes.filter((w) => w.method === 'create')).toHaveLength(1);
    expect(await state.getIntent('source', '1')).toBeUndefined();
  });

  it('a create whose outcome is unknown (ambiguous) is resolved by a guard lookup in the same run', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    // The POST reaches the server, but the answer is lost.
    erp.system.failNext('create', 'customer', (data) => {
      erp.system.seed('customer', [data as Record<string, unknown>]);
      return new ConnectorError('timeout', {
        system: 'erp',
        kind: 'ambiguous',
        method: 'POST',
        path: '/customer',
      });
    });
    const summary = await engine.run();
    expect(summary.ok).toBe(true);
    expect(erp.system.all('customer')).toHaveLength(1);
    const link = await new MappingState('customer', store).getLink('1');
    expect(link).toMatchObject({ targetId: erp.system.all('customer')[0]!.Id, origin: 'recovered' });
  });

  it('a duplicate-guard conflict links the existing record instead of failing', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    erp.system.failNext('create', 'customer', () => {
      erp.system.seed('customer', [{ Id: '900', IsPerson: false, ExternalImportReference: '1' }]);
      return new ConnectorError('in use', {
        system: 'erp',
        kind: 'conflict',
        method: 'POST',
        path: '/customer',
      });
    });
    await engine.run();
    expect(await new MappingState('customer', store).getLink('1')).toMatchObject({ targetId: '900' });
  });

  it('two unlinked candidates: nothing written, a failed record names both', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    erp.system.seed('customer', [
      { Id: '10', IsPerson: true, EmailAddress: 'alice@example.com' },
      { Id: '11', IsPerson: true, EmailAddress: 'ALICE@example.com ' },
    ]);
    const summary = await engine.run();
    expect(summary.ok).toBe(false);
    expect(erp.system.writes).toHaveLength(0);
    const failed = await new MappingState('customer', store).getFailed('source', '1');
    expect(failed).toMatchObject({ code: 'AMBIGUOUS_MATCH', candidates: ['10', '11'] });
  });
});

/** A memory store whose writes fail ('disk full') where `fails(namespace, key)` says so. */
function failingWrites(description: string, fails: (name: string, key: string) => boolean): StateBackend {
  const real = openStore('memory://');
  return {
    description,
    namespace<V>(name: string): NamespaceStore<V> {
      const ns = real.namespace<V>(name);
      return {
        get: ns.get.bind(ns),
        getMany: ns.getMany.bind(ns),
        entries: ns.entries.bind(ns),
        delete: ns.delete.bind(ns),
        async set(key, value) {
          if (fails(name, key)) throw new StoreError('disk full');
          return ns.set(key, value);
        },
      };
    },
  };
}

describe('the intent, written while the payload is checked', () => {
  it('is removed when the payload fails validation: nothing was sent, nothing stays', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [{ ...alice, email: 'not-an-email' }]);
    const summary = await engine.run();
    expect(summary.mappings[0]!.counts).toMatchObject({ created: 0, failed: 1 });
    expect(erp.system.writes).toHaveLength(0);
    expect((await new MappingState('customer', store).scanMeta()).intents).toEqual([]);
  });

  it('is awaited before the create: a store that refuses it means no create is sent', async () => {
    const refusing = failingWrites('refusing intents', (_name, key) => key.startsWith('intent.'));
    const { engine, shop, erp } = makeEngine([customerMapping()], { store: refusing });
    shop.system.seed('customer', [alice, bob]);
    const summary = await engine.run();
    expect(summary.ok).toBe(false);
    expect(summary.storeError).toMatch(/disk full/);
    expect(erp.system.writes).toHaveLength(0);
  });
});

describe('a failing store stops the run', () => {
  it('reads that fail are never "no link": no create is sent, the run reports the store', async () => {
    const real = openStore('memory://');
    const broken: StateBackend = {
      description: 'broken',
      namespace<V>(name: string): NamespaceStore<V> {
        const ns = real.namespace<V>(name);
        const fail = async (): Promise<never> => {
          throw new StoreError(`store read failed for ${name}`);
        };
        return {
          ...ns,
          get: fail,
          getMany: fail,
          entries: ns.entries.bind(ns),
          set: ns.set.bind(ns),
          delete: ns.delete.bind(ns),
        };
      },
    };
    const { engine, shop, erp } = makeEngine([customerMapping()], { store: broken });
    shop.system.seed('customer', [alice, bob]);
    const summary = await engine.run();
    expect(summary.ok).toBe(false);
    expect(summary.storeError).toMatch(/store unavailable/);
    expect(erp.system.writes).toHaveLength(0);
  });
});

describe('a store that fails in the middle of a run', () => {
  it('stops the run: records in flight finish their call, no further write is sent', async () => {
    let linkWrites = 0;
    const flaky = failingWrites('flaky', (name) => name.endsWith('.links') && ++linkWrites > 3);
    const latched: string[] = [];
    const { engine, shop, erp } = makeEngine([customerMapping()], {
      store: flaky,
      concurrency: 4,
      events: { storeFailed: ({ message }) => latched.push(message) },
    });
    shop.system.seed(
      'customer',
      Array.from({ length: 20 }, (_, i) => ({
        id: String(i + 1),
        email: `c${i}@example.com`,
        first_name: 'C',
        last_name: String(i),
        billing: {},
      })),
    );
    const summary = await engine.run();
    expect(summary.ok).toBe(false);
    expect(summary.storeError).toMatch(/store unavailable: disk full/);
    const creates = erp.system.writes.filter((w) => w.method === 'create').length;
    expect(creates).toBeGreaterThanOrEqual(4);
    expect(creates).toBeLessThanOrEqual(3 + 4);
    // The latch is announced once, at the first failure (chaos store-outage dates it so).
    expect(latched).toEqual([expect.stringMatching(/disk full/)]);
  });
});

describe('failed records', () => {
  it('a validation failure is stored with its reason; the rest syncs; retry after the fix completes it', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [{ ...alice, email: 'not-an-email' }, bob]);
    const summary = await engine.run();
    expect(summary.ok).toBe(false);
    expect(summary.mappings[0]!.counts).toMatchObject({ created: 1, failed: 1 });
    const state = new MappingState('customer', store);
    const failed = await state.getFailed('source', '1');
    expect(failed).toMatchObject({ code: 'VALIDATION', kind: 'validation', attempts: 1 });
    expect(failed!.reason).toMatch(/EmailAddress/);
    expect(new Date(failed!.nextAttemptAt).getTime()).toBeGreaterThan(new Date(failed!.at).getTime());

    // Not due yet: an ordinary run leaves it (full-scan still re-processes it since it is failed).
    shop.system.edit('customer', '1', (r) => {
      r.email = 'alice@example.com';
    });
    const retried = await engine.run({ retryAllNow: true });
    expect(retried.ok).toBe(true);
    expect(await state.getFailed('source', '1')).toBeUndefined();
    expect(erp.system.all('customer')).toHaveLength(2);
  });

  it('a create that keeps failing in transport is retried at once on the next run, then with exponential backoff', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice]);
    const failRun = () => {
      for (let i = 0; i < 3; i++) erp.system.failNext('create', 'customer', 'transport');
    };
    failRun();
    await engine.run();
    const state = new MappingState('customer', store);
    const first = (await state.getFailed('source', '1'))!;
    expect(first).toMatchObject({ code: 'CONNECTOR_TRANSPORT', attempts: 1 });
    // Due at once: the next plain run retries it.
    expect(first.nextAttemptAt).toBe(first.at);
    failRun();
    await engine.run();
    const second = (await state.getFailed('source', '1'))!;
    expect(second.attempts).toBe(2);
    failRun();
    await engine.run({ retryAllNow: true });
    const third = (await state.getFailed('source', '1'))!;
    expect(third.attempts).toBe(3);
    const gap2 = new Date(second.nextAttemptAt).getTime() - new Date(second.at).getTime();
    const gap3 = new Date(third.nextAttemptAt).getTime() - new Date(third.at).getTime();
    expect(gap2).toBe(60_000);
    expect(gap3).toBe(gap2 * 2);
    expect(erp.system.writes.filter((w) => w.method === 'create')).toHaveLength(0);
  });
});

describe('plan (dry run)', () => {
  it('sends no write, changes nothing in the store, and lists the diffs', async () => {
    const store = openStore('memory://');
    const { engine, shop, erp } = makeEngine([customerMapping()], { store });
    shop.system.seed('customer', [alice, bob]);
    await engine.run();
    shop.system.edit('customer', '1', (r) => {
      r.first_name = 'Alicia';
    });
    shop.system.seed('customer', [
      { id: '3', email: 'c@example.com', first_name: 'C', last_name: 'C', billing: {} },
    ]);
    const writes = erp.system.writes.length;
    const linksBefore: unknown[] = [];
    for await (const e of new MappingState('customer', store).links.entries()) linksBefore.push(e);
    const plan = await engine.run({ dryRun: true });
    expect(erp.system.writes.length).toBe(writes);
    expect(shop.system.writes).toHaveLength(0);
    const linksAfter: unknown[] = [];
    for await (const e of new MappingState('customer', store).links.entries()) linksAfter.push(e);
    expect(linksAfter).toEqual(linksBefore);
    const m = plan.mappings[0]!;
    expect(m.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(m.changes.find((c) => c.action === 'update')!.diffs).toEqual(
      expect.arrayContaining([
        { path: 'FirstName', from: 'Alice', to: 'Alicia', reason: 'changed' },
        { path: 'Name', from: 'Alice A', to: 'Alicia A', reason: 'changed' },
      ]),
    );
    // The real run afterwards does exactly what the plan said.
    const real = await engine.run();
    expect(real.mappings[0]!.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
  });
});

describe('deletes', () => {
  it('a source record deleted → partner archived after a confirming lookup; the breaker stops mass deletes', async () => {
    const store = openStore('memory://');
    const mapping = customerMapping({
      delete: { toTarget: 'archive', toSource: 'ignore' },
      deleteLimit: 0.25,
    });
    const { engine, shop, erp } = makeEngine([mapping], { store });
    const many = Array.from({ length: 8 }, (_, i) => ({
      id: String(i + 1),
      email: `c${i}@example.com`,
      first_name: `C${i}`,
      last_name: 'X',
      billing: {},
    }));
    shop.system.seed('customer', many);
    await engine.run();
    shop.system.drop('customer', '1');
    const one = await engine.run();
    expect(one.mappings[0]!.counts.archived).toBe(1);
    expect(erp.system.writes.filter((w) => w.method === 'remove')).toEqual([
      expect.objectContaining({ body: 'archive' }),
    ]);

    for (const id of ['2', '3', '4', '5']) shop.system.drop('customer', id);
    const removes = erp.system.writes.filter((w) => w.method === 'remove').length;
    const tripped = await engine.run();
    expect(tripped.ok).toBe(false);
    expect(tripped.mappings[0]!.errors[0]).toMatchObject({ code: 'DELETE_LIMIT_EXCEEDED' });
    expect(tripped.mappings[0]!.errors[0]!.message).toMatch(/4 of 7/);
    expect(erp.system.writes.filter((w) => w.method === 'remove').length).toBe(removes);
  });

  it('a listing that fails midway archives nothing', async () => {
    const store = openStore('memory://');
    const mapping = customerMapping({ delete: { toTarget: 'archive', toSource: 'ignore' }, deleteLimit: 1 });
    const { engine, shop, erp } = makeEngine([mapping], { store });
    shop.system.pageSize = 2;
    shop.system.seed('customer', [
      alice,
      bob,
      { ...alice, id: '3', email: 'x@example.com' },
      { ...alice, id: '4', email: 'y@example.com' },
    ]);
    await engine.run();
    shop.system.drop('customer', '4');
    shop.system.failListingAfterFirstPage.add('customer');
    const summary = await engine.run();
    expect(summary.ok).toBe(false);
    expect(erp.system.writes.filter((w) => w.method === 'remove')).toHaveLength(0);
  });
});

describe('graceful abort', () => {
  it('stops taking records, finishes those in flight, and leaves no create without its link or intent', async () => {
    const store = openStore('memory://');
    const controller = new AbortController();
    let processed = 0;
    const { engine, shop, erp } = makeEngine([customerMapping()], {
      store,
      concurrency: 2,
      events: {
        recordProcessed: () => {
          if (++processed === 3) controller.abort();
        },
      },
    });
    shop.system.seed(
      'customer',
      Array.from({ length: 30 }, (_, i) => ({
        id: String(i + 1),
        email: `c${i}@example.com`,
        first_name: 'C',
        last_name: String(i),
        billing: {},
      })),
    );
    const summary = await engine.run({ signal: controller.signal });
    expect(summary.aborted).toBe(true);
    expect(summary.ok).toBe(false);
    const created = erp.system.writes.filter((w) => w.method === 'create').length;
    expect(created).toBeLessThan(30);
    const state = new MappingState('customer', store);
    const meta = await state.scanMeta();
    expect(meta.intents).toEqual([]);
    let links = 0;
    for await (const _ of state.allLinks()) links++;
    expect(links).toBe(created);
    // The next run carries on where this one stopped.
    const next = await engine.run();
    expect(next.mappings[0]).toMatchObject({ errors: [], counts: expect.objectContaining({ failed: 0 }) });
    expect(next.ok).toBe(true);
    expect(erp.system.all('customer')).toHaveLength(30);
  });
});
