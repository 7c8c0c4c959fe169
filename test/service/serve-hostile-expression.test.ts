/**
 * Issue 9, item 1, end to end in a real process: `mapsync serve --sandbox` with a customer
 * mapping whose FirstName goes through a catastrophic regex and, for numeric names, through
 * a built-in whose cost grows with the data (`$distinct` over `[1..n]`: one call, minutes for
 * n = 1,000,000). Shop customers with such names are created through the shop's REST API
 * (signed webhooks bring them in). Throughout, /healthz answers within 1 s; the runaway
 * record is stored as failed with its file:line and the hard limit; the other customers
 * sync; SIGTERM ends the process promptly and cleanly, stopping the runaway evaluation in
 * its worker (the record fails as interrupted, not as an expression error), and the next
 * start takes the record up again.
 *
 * Without bounded evaluation the service spins on the main thread: /healthz stops
 * answering, the record never fails and SIGTERM is ignored. Without the shutdown stopping
 * evaluations, SIGTERM waited for the hard limit, which counts the CPU the evaluation got:
 * at load 13-17 that outlasted the 10 s shutdown bound.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../engine/store/open-store.ts';
import { MappingState } from '../../engine/store/sync-state.ts';
import {
  json,
  parseBanner,
  REPO,
  type ServeProcess,
  type StatusJson,
  spawnServe,
  waitIdle,
} from './spawn-serve.ts';

/** The shipped FirstName property: the pair and its expressions, up to the next property. */
const FIRST_NAME_PROPERTY = / {2}- source: first_name\n {4}target: FirstName\n(?: {4,}.*\n)*/;
const HOSTILE_FIRST_NAME = `  - source: first_name
    target: FirstName
    to_target: |
      $contains(first_name, /^([a-z]+)+$/) ? first_name
        : $contains(first_name, /^[0-9]+$/) ? $string($count($distinct([1..$number(first_name)])))
        : first_name
    to_source: |
      FirstName
`;

let serve: ServeProcess;
let dir: string;
let banner: ReturnType<typeof parseBanner>;
let exit: { code: number | null; ms: number } | undefined;
/** The process of the next start (`--keep-data`), once the test starts it. */
let restarted: ServeProcess | undefined;
/**
 * Stopped by the hard limit, or on a machine too busy to give it that much CPU by the
 * ceiling (test/mapping/evaluator-pool.test.ts tells the two apart): the limit is named.
 */
const STOPPED =
  /mappings\/customer-person\.yaml:\d+:\d+: mapping "customer-person", property "FirstName" to_target: evaluation (ran longer than the hard limit of \d+ ms|did not finish within \d+ ms \(the machine was too busy to give it the \d+ ms of its hard limit\))/;

const wooAuth = () =>
  `Basic ${Buffer.from(`${banner.consumerKey}:${banner.consumerSecret}`).toString('base64')}`;
const poCustomers = async () =>
  (
    await json<{ customers: Array<{ FirstName?: string; ExternalImportReference?: string }> }>(
      `${banner.poUrl.replace(/\/v2$/, '')}/__admin/state`,
    )
  ).customers;

async function createShopCustomer(firstName: string, tag: string): Promise<number> {
  const response = await fetch(`${banner.wooUrl}/wp-json/wc/v3/customers`, {
    method: 'POST',
    headers: { authorization: wooAuth(), 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${tag}@example.no`, first_name: firstName, last_name: 'Hostile' }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: number }).id;
}

/** /healthz answered within 1 s, or the test fails. */
async function healthy(): Promise<void> {
  const response = await fetch(`${serve.url}/healthz`, { signal: AbortSignal.timeout(1000) });
  expect(response.status).toBe(200);
}

/** Sandboxes and store kept in the test's folder: the second start continues where the first stopped. */
const serveArgs = () => [
  '--sandbox',
  '--config',
  join(dir, 'mapsync.yaml'),
  '--port',
  '0',
  '--seed',
  '4',
  '--data-dir',
  join(dir, 'data'),
  '--keep-data',
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mapsync-hostile-'));
  cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
  cpSync(join(REPO, 'mapsync.yaml'), join(dir, 'mapsync.yaml'));
  const customerFile = join(dir, 'mappings', 'customer-person.yaml');
  const original = readFileSync(customerFile, 'utf8');
  expect(original).toMatch(FIRST_NAME_PROPERTY);
  writeFileSync(customerFile, original.replace(FIRST_NAME_PROPERTY, HOSTILE_FIRST_NAME));
  serve = await spawnServe({
    args: serveArgs(),
    cwd: dir,
    env: { MAPSYNC_ADMIN_TOKEN: undefined },
    timeoutMs: 90_000,
  });
  banner = parseBanner(serve.stdout());
  await waitIdle(serve.url, 90_000);
}, 120_000);

afterAll(async () => {
  if (!exit) exit = await serve?.terminate('SIGKILL');
  await restarted?.terminate('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a mapping expression that runs away on shop data', () => {
  it('keeps /healthz answering, fails only that record with file:line and the limit, and syncs the others', async () => {
    const regexVictim = await createShopCustomer(`${'a'.repeat(42)}!`, 'regex');
    const runaway = await createShopCustomer('1000000', 'runaway');
    const normal = await createShopCustomer('Normal', 'normal');

    let failure: { reason: string } | undefined;
    const deadline = Date.now() + 60_000;
    while (!failure) {
      await healthy();
      const status = await json<StatusJson>(`${serve.url}/api/status`);
      failure = status.mappings
        .find((m) => m.name === 'customer-person')
        ?.failed.items.find((item) => item.id === String(runaway));
      if (Date.now() > deadline)
        throw new Error(`no failed record in time: ${JSON.stringify(status.mappings)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(failure.reason).toMatch(STOPPED);
    await expect
      .poll(
        async () => {
          await healthy();
          const byRef = new Map((await poCustomers()).map((c) => [c.ExternalImportReference, c.FirstName]));
          return [byRef.get(String(regexVictim)), byRef.get(String(normal)), byRef.has(String(runaway))];
        },
        { timeout: 30_000, interval: 200 },
      )
      .toEqual([`${'a'.repeat(42)}!`, 'Normal', false]);
  }, 120_000);

  it('ends promptly and cleanly on SIGTERM while the runaway record is being evaluated again; the next start takes it up', async () => {
    // An edit brings the record back through its webhook: the expression runs away again.
    const status = await json<StatusJson>(`${serve.url}/api/status`);
    const id = status.mappings.find((m) => m.name === 'customer-person')!.failed.items[0]!.id;
    const edited = await fetch(`${banner.wooUrl}/wp-json/wc/v3/customers/${id}`, {
      method: 'PUT',
      headers: { authorization: wooAuth(), 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: '1000001' }),
    });
    expect(edited.status).toBe(200);
    // Its webhook is in hand: the record's evaluation runs away in a worker (for seconds of CPU).
    await expect
      .poll(
        async () => {
          await healthy();
          const mapping = (await json<StatusJson>(`${serve.url}/api/status`)).mappings.find(
            (m) => m.name === 'customer-person',
          );
          return (mapping?.current as { kind?: string } | undefined)?.kind;
        },
        { timeout: 60_000, interval: 50 },
      )
      .toBe('records');
    exit = await serve.terminate('SIGTERM');
    console.log(`SIGTERM with a runaway evaluation in hand: exit ${exit.code} after ${exit.ms} ms`);
    // The end of its log says which shutdown step failed or hung, when one did.
    expect(exit.code, serve.stderr().slice(-3000)).toBe(0);
    // Generous: the shutdown bound is 10 s; a mapping can hold it up by one hard limit at most.
    expect(exit.ms).toBeLessThan(15_000);
    expect(serve.stderr()).not.toMatch(/shutdown did not finish/);

    // Failed as interrupted (not as an expression error), due at once: nothing vanished.
    const store = openStore(`sqlite://${join(dir, 'data', 'sandbox.sqlite')}`);
    try {
      const stored = await new MappingState('customer-person', store).getFailed('source', id);
      expect(stored, JSON.stringify(stored)).toMatchObject({ code: 'EVAL_INTERRUPTED', kind: 'interrupted' });
      expect(stored!.reason).toContain('evaluation interrupted (service shutting down)');
    } finally {
      await store.close();
    }

    // The next start (same sandboxes and store) evaluates it again: the hard limit stops it.
    restarted = await spawnServe({
      args: serveArgs(),
      cwd: dir,
      env: { MAPSYNC_ADMIN_TOKEN: undefined },
      timeoutMs: 90_000,
    });
    const next = await waitIdle(restarted.url, 90_000);
    const again = next.mappings
      .find((m) => m.name === 'customer-person')
      ?.failed.items.find((item) => item.id === id);
    expect(again?.reason, JSON.stringify(again)).toMatch(STOPPED);
    expect((await restarted.terminate('SIGTERM')).code).toBe(0);
  }, 240_000);
});
