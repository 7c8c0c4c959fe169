/**
 * E2E 7 — Deletes: a WooCommerce customer deleted → its PowerOffice Go customer archived
 * (after a complete listing and a confirming lookup); a listing that fails midway archives
 * nothing; a mass deletion trips the circuit breaker and nothing is archived.
 *
 * Runs the shipped mappings: customer-person archives in PowerOffice Go what the shop
 * deletes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powerofficeGo } from '../../engine/connectors/poweroffice-go/index.ts';
import { ConnectorRegistry } from '../../engine/connectors/registry.ts';
import type { Connector, ListOptions } from '../../engine/connectors/types.ts';
import { woocommerce } from '../../engine/connectors/woocommerce/index.ts';
import { links, snapshot } from './helpers/checks.ts';
import { type Pair, REPO, startPair } from './helpers/pair.ts';

describe('e2e 7: deletes', () => {
  let pair: Pair;
  /** Set to make the shop fail (HTTP 500) after the first page of the next customer listing. */
  const failAfterFirstPage = { on: false };

  beforeAll(async () => {
    const shipped = readFileSync(join(REPO, 'mappings', 'customer-person.yaml'), 'utf8');
    expect(shipped).toMatch(/^delete:\n {2}to_target: archive$/m);

    // The real WooCommerce connector; the shop itself starts failing mid-listing on cue.
    const failing: typeof woocommerce = {
      ...woocommerce,
      async create(options, runtime) {
        const connector = await woocommerce.create(options, runtime);
        return new Proxy(connector, {
          get(target, key) {
            if (key === 'list') {
              return async function* (entity: string, options?: ListOptions) {
                let page = 0;
                for await (const p of target.list(entity, options)) {
                  yield p;
                  if (++page === 1 && entity === 'customer' && failAfterFirstPage.on) {
                    pair.woo.faults.configure({ rate500: 1 });
                  }
                }
              };
            }
            const value = Reflect.get(target, key, target);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as Connector;
      },
    };
    const registry = new ConnectorRegistry().add(failing).add(powerofficeGo);
    pair = await startPair({
      shop: { count: 30, seed: 17, anchor: new Date('2026-01-15T00:00:00Z') },
      wooPageSize: 10,
      registry,
    });
    expect((await pair.sync()).ok).toBe(true);
  });

  afterAll(async () => {
    await pair?.close();
  });

  const deleteCustomer = async (id: string) => {
    const res = await fetch(`${pair.woo.url}/__admin/records/customer/${id}?force=true`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
  };
  const customerLinks = async () => {
    const opened = await pair.open();
    try {
      return (await links(opened.store, 'customer-person')).filter((l) => !l.virtual);
    } finally {
      await opened.close();
    }
  };

  it('a customer deleted in WooCommerce is archived in PowerOffice Go and unlinked', async () => {
    const [victim] = await customerLinks();
    await deleteCustomer(victim!.sourceId);
    const mark = pair.mark();
    const summary = await pair.sync();
    expect(summary.ok).toBe(true);
    expect(summary.mappings.find((m) => m.mapping === 'customer-person')!.counts.archived).toBe(1);
    const archived = (await snapshot(pair)).po.customers.find((c) => String(c.Id) === victim!.targetId)!;
    expect(archived.IsArchived).toBe(true);
    expect(pair.writes(mark).po).toHaveLength(1);
    expect((await customerLinks()).some((l) => l.sourceId === victim!.sourceId)).toBe(false);
  });

  it('a listing that fails midway archives nothing', async () => {
    const [, victim] = await customerLinks();
    await deleteCustomer(victim!.sourceId);
    failAfterFirstPage.on = true;
    const mark = pair.mark();
    const summary = await pair.sync();
    failAfterFirstPage.on = false;
    pair.woo.faults.configure({});
    expect(summary.ok).toBe(false);
    expect(summary.mappings.find((m) => m.mapping === 'customer-person')!.errors[0]!.code).toMatch(
      /CONNECTOR_/,
    );
    expect(pair.writes(mark).po).toEqual([]);
    expect(
      (await snapshot(pair)).po.customers.find((c) => String(c.Id) === victim!.targetId)!.IsArchived,
    ).toBe(false);
    // Once the shop answers again, the delete is carried out.
    const next = await pair.sync();
    expect(next.ok).toBe(true);
    expect(
      (await snapshot(pair)).po.customers.find((c) => String(c.Id) === victim!.targetId)!.IsArchived,
    ).toBe(true);
  });

  it('a mass deletion trips the breaker: nothing archived, the run says why and fails', async () => {
    const remaining = await customerLinks();
    const victims = remaining.slice(0, 6);
    for (const v of victims) await deleteCustomer(v.sourceId);
    const mark = pair.mark();
    const result = await pair.cli(['sync']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /DELETE_LIMIT_EXCEEDED: customer-person: 6 of 28 linked records would be deleted or archived, more than the delete_limit of 10% \(2\)/,
    );
    expect(pair.writes(mark).po).toEqual([]);
    const poCustomers = (await snapshot(pair)).po.customers;
    for (const v of victims)
      expect(poCustomers.find((c) => String(c.Id) === v.targetId)!.IsArchived).toBe(false);
  });
});
