import { describe, expect, it } from 'vitest';
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
const carol = {
  id: '3',
  email: 'carol@example.com',
  first_name: 'Carol',
  last_name: 'C',
  billing: { city: '' },
};

describe('customers: backfill, first-time match, echo suppression', () => {
  it('creates the new, links the existing writing only differences, and a second run writes nothing', async () => {
    const { engine, shop, erp } = makeEngine([customerMapping()]);
    shop.system.seed('customer', [alice, bob, carol]);
    erp.system.seed('customer', [
      {
        Id: '77',
        IsPerson: true,
        EmailAddress: ' Bob@Example.com',
        FirstName: 'Robert',
        LastName: 'B',
        Name: 'Bob B',
        MailAddress: { City: 'Bergen', Street: 'Kept 1' },
      },
    ]);
    const first = await engine.run();
    expect(first.ok).toBe(true);
    expect(first.mappings[0]!.counts).toMatchObject({ created: 2, updated: 1 });
    const creates = erp.system.writes.filter((w) => w.method === 'create');
    expect(creates).toHaveLength(2);
    expect(creates[0]!.body).toMatchObject({
      IsPerson: true,
      ExternalImportReference: '1',
      MailAddress: { City: 'Oslo' },
    });
    const patch = erp.system.writes.find((w) => w.method === 'update')!;
    expect(patch.id).toBe('77');
    // Source wins on a first link; the e-mail differs only by case/space (canonical match key, not a value change)
    expect(patch.ops).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/FirstName', value: 'Bob' },
        { op: 'add', path: '/ExternalImportReference', value: '2' },
      ]),
    );
    expect(erp.system.all('customer').find((c) => c.Id === '77')!.MailAddress).toEqual({
      City: 'Bergen',
      Street: 'Kept 1',
    });

    const writes = erp.system.writes.length + shop.system.writes.length;
    const second = await engine.run();
    expect(second.ok).toBe(true);
    expect(erp.system.writes.length + shop.system.writes.length).toBe(writes);
    expect(second.mappings[0]!.counts.unchanged).toBe(3);
  });

  it('one property edited in the source → exactly one patch with exactly one op; a third run sends nothing', async () => {
    const { engine, shop, erp } = makeEngine([customerMapping()]);
    shop.system.seed('customer', [alice, bob]);
    await engine.run();
    const before = erp.system.writes.length;
    shop.system.edit('customer', '1', (r) => {
      (r.billing as Record<string, string>).city = 'Trondheim';
    });
    await engine.run();
    const patches = erp.system.writes.slice(before);
    expect(patches).toEqual([
      expect.objectContaining({
        method: 'update',
        ops: [{ op: 'replace', path: '/MailAddress/City', value: 'Trondheim' }],
      }),
    ]);
    await engine.run();
    expect(erp.system.writes.length).toBe(before + 1);
    expect(shop.system.writes).toHaveLength(0);
  });

  it('a target edit flows back to the source through the batch endpoint, and does not echo', async () => {
    const { engine, shop, erp } = makeEngine([customerMapping()]);
    shop.system.seed('customer', [alice]);
    await engine.run();
    const erpId = erp.system.all('customer')[0]!.Id as string;
    erp.system.edit('customer', erpId, (r) => {
      r.LastName = 'Anderson';
    });
    await engine.run();
    expect(shop.system.writes).toEqual([
      expect.objectContaining({
        method: 'batch',
        body: [{ id: '1', ops: [{ op: 'replace', path: '/last_name', value: 'Anderson' }] }],
      }),
    ]);
    expect(shop.system.all('customer')[0]!.last_name).toBe('Anderson');
    const erpWrites = erp.system.writes.length;
    // Name is to-target and computed from the names: the source change now flows on.
    await engine.run();
    const after = erp.system.writes.slice(erpWrites);
    expect(after).toEqual([
      expect.objectContaining({ ops: [{ op: 'replace', path: '/Name', value: 'Alice Anderson' }] }),
    ]);
    await engine.run();
    expect(erp.system.writes.length).toBe(erpWrites + 1);
    expect(shop.system.writes).toHaveLength(1);
  });

  it('different properties edited on both sides: both kept', async () => {
    const { engine, shop, erp } = makeEngine([customerMapping()]);
    shop.system.seed('customer', [alice]);
    await engine.run();
    const erpId = erp.system.all('customer')[0]!.Id as string;
    shop.system.edit('customer', '1', (r) => {
      (r.billing as Record<string, string>).city = 'Tromsø';
    });
    erp.system.edit('customer', erpId, (r) => {
      r.EmailAddress = 'alice@new.example';
    });
    await engine.run();
    expect(shop.system.all('customer')[0]).toMatchObject({
      email: 'alice@new.example',
      billing: { city: 'Tromsø' },
    });
    expect(erp.system.all('customer')[0]).toMatchObject({
      EmailAddress: 'alice@new.example',
      MailAddress: { City: 'Tromsø' },
    });
    const writes = erp.system.writes.length + shop.system.writes.length;
    await engine.run();
    expect(erp.system.writes.length + shop.system.writes.length).toBe(writes);
  });

  it.each([
    ['newest-wins (target newer)', 'newest-wins', 'target'],
    ['source-wins', 'source-wins', 'source'],
    ['target-wins', 'target-wins', 'target'],
  ] as const)('the same property edited on both sides: %s', async (_name, conflict, winner) => {
    const { engine, shop, erp } = makeEngine([customerMapping({ conflict })]);
    shop.system.seed('customer', [alice]);
    await engine.run();
    const erpId = erp.system.all('customer')[0]!.Id as string;
    shop.system.edit('customer', '1', (r) => {
      r.first_name = 'FromShop';
    });
    erp.system.edit('customer', erpId, (r) => {
      r.FirstName = 'FromErp';
    });
    await engine.run();
    const expected = winner === 'source' ? 'FromShop' : 'FromErp';
    expect(shop.system.all('customer')[0]!.first_name).toBe(expected);
    expect(erp.system.all('customer')[0]!.FirstName).toBe(expected);
  });

  it('manual conflict: a failed record with both values, nothing written for that property', async () => {
    const { engine, shop, erp } = makeEngine([customerMapping({ conflict: 'manual' })]);
    shop.system.seed('customer', [alice]);
    await engine.run();
    const erpId = erp.system.all('customer')[0]!.Id as string;
    shop.system.edit('customer', '1', (r) => {
      r.first_name = 'FromShop';
    });
    erp.system.edit('customer', erpId, (r) => {
      r.FirstName = 'FromErp';
    });
    const summary = await engine.run();
    expect(summary.ok).toBe(false);
    expect(summary.mappings[0]!.counts.conflict).toBe(1);
    expect(shop.system.all('customer')[0]!.first_name).toBe('FromShop');
    expect(erp.system.all('customer')[0]!.FirstName).toBe('FromErp');
  });
});
