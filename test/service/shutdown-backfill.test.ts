/**
 * SIGTERM in the middle of a backfill: the service exits 0 within the bound, and the next
 * start completes the backfill without a single duplicate in PowerOffice (every create was
 * preceded by its intent, so an interrupted one is resolved through the identity guard).
 *
 * The sandboxes run in this test process so that they outlive both service processes; the
 * config is the shipped mapsync.yaml's systems and mappings with a higher client-side rate
 * limit (the sandbox enforces none here) so that a few hundred records backfill in seconds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import { type Sandboxes, startAllSandboxes } from '../../sandbox/start-all.ts';
import { json, REPO, spawnServe, waitIdle } from './spawn-serve.ts';

let sandboxes: Sandboxes;
let dir: string;
let env: Record<string, string>;

interface PoState {
  customers: Array<{ Id: number; EmailAddress?: string; ExternalImportReference?: string }>;
  salesorders: Array<{ Id: number; ExternalImportReference?: string; CustomerReference?: string }>;
}

beforeAll(async () => {
  sandboxes = await startAllSandboxes(connectors, { seed: SHOP_CUSTOMERS, rateLimit: false });
  dir = mkdtempSync(join(tmpdir(), 'mapsync-sigterm-'));
  // The shipped mapsync.yaml with a higher client-side limit, this test's store, and
  // schedules long enough that only the start-up backfill runs.
  const shipped = readFileSync(join(REPO, 'mapsync.yaml'), 'utf8');
  const config = shipped
    .replace(/^( {4}rate_limit:) \d+$/m, '$1 200')
    .replace(/^store: .*$/m, `store: sqlite://${join(dir, 'store.sqlite')}`)
    .replace(/^mappings: .*$/m, `mappings: ${join(REPO, 'mappings')}`);
  expect(config).toContain('rate_limit: 200');
  writeFileSync(
    join(dir, 'mapsync.yaml'),
    `${config}\nservice:\n  schedule: { poll: 1h, reconcile: 1h }\n  shutdown_timeout: 10s\n`,
  );
  env = Object.fromEntries(
    sandboxes.env().map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
});

afterAll(async () => {
  await sandboxes?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Intents without an outcome, per mapping, read from the store while no service runs. */
async function openIntents(): Promise<string[]> {
  const store = openStore(`sqlite://${join(dir, 'store.sqlite')}`);
  const open: string[] = [];
  try {
    for (const mapping of ['customer-person', 'product', 'salesorder', 'salesorderline']) {
      const { intents } = await new MappingState(mapping, store).scanMeta();
      open.push(...intents.map((i) => `${mapping}:${i.from}:${i.id}`));
    }
  } finally {
    await store.close();
  }
  return open;
}

const poState = async () =>
  json<PoState>(sandboxes.byKind.get('poweroffice-go')!.addresses['PowerOffice Go admin']!);
/** The shop's customers (`--seed n` makes n). */
const SHOP_CUSTOMERS = 120;
const wooCustomers = () => SHOP_CUSTOMERS;

describe('SIGTERM during a backfill', () => {
  it('exits 0 within the bound, and the next start completes the backfill without duplicates', async () => {
    const total = wooCustomers();
    expect(total).toBe(120);
    const first = await spawnServe({
      args: ['--config', join(dir, 'mapsync.yaml'), '--port', '0'],
      env,
    });
    // Let the backfill get going: some customers created in PowerOffice, not all.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const created = (await poState()).customers.filter((c) => c.ExternalImportReference).length;
      if (created >= 15) break;
      if (Date.now() > deadline) throw new Error(`backfill did not start:\n${first.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const stopped = await first.terminate('SIGTERM');
    console.log(`SIGTERM during backfill: exit ${stopped.code} after ${stopped.ms} ms`);
    expect(stopped.code, first.stderr()).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
    const midway = await poState();
    const createdMidway = midway.customers.filter((c) => c.ExternalImportReference).length;
    expect(createdMidway).toBeLessThan(total);
    // Nothing half-done: every create that started before the stop has its link (no open
    // intent), because aborting lets the records in hand finish.
    expect(await openIntents()).toEqual([]);

    // The store is consistent after the stop: no intent without an outcome is left open
    // beyond what the next start resolves (and none at all after it, checked below).
    const second = await spawnServe({
      args: ['--config', join(dir, 'mapsync.yaml'), '--port', '0'],
      env,
    });
    const status = await waitIdle(second.url, 120_000);
    const customers = status.mappings.find((m) => m.name === 'customer-person')!;
    expect(customers.lastRun?.status, JSON.stringify(customers.lastRun)).toBe('ok');
    const secondExit = await second.terminate('SIGTERM');
    expect(secondExit.code).toBe(0);

    const done = await poState();
    const byRef = new Map<string, number>();
    for (const c of done.customers) {
      if (c.ExternalImportReference)
        byRef.set(c.ExternalImportReference, (byRef.get(c.ExternalImportReference) ?? 0) + 1);
    }
    const duplicates = [...byRef].filter(([, n]) => n > 1);
    expect(duplicates).toEqual([]);
    const orderRefs = done.salesorders.map((o) => o.ExternalImportReference).filter(Boolean);
    expect(new Set(orderRefs).size, 'duplicate sales orders').toBe(orderRefs.length);
    const emails = done.customers.map((c) => c.EmailAddress?.toLowerCase()).filter(Boolean);
    expect(new Set(emails).size).toBe(emails.length);
    // Every WooCommerce customer the mapping takes is in PowerOffice exactly once.
    expect(byRef.size).toBeGreaterThanOrEqual(createdMidway);
    expect(byRef.size + (customers.failed.count ?? 0)).toBeGreaterThanOrEqual(total);

    expect(await openIntents()).toEqual([]);
    console.log(
      `backfill: ${createdMidway} of ${total} customers created before SIGTERM, ${byRef.size} after the restart, ${done.salesorders.length} sales orders, no duplicates`,
    );
  }, 240_000);
});
