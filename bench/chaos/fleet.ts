/**
 * Chaos on the fleet's roles (docs/fleet.md, "Faults on the roles"): real `mapsync serve
 * --role …` processes, the store on the real PostgreSQL, N tenants on one PowerOffice
 * subscription key (one budget of 10 requests per second), each tenant's whole shop
 * backfilled while its customers are edited through the shop's REST API every 0.7 s (each
 * edit a webhook to the web role).
 *
 * - `fleet-sigkill`: no scheduler — the backfill jobs and the webhooks are the only way
 *   anything arrives. Every few seconds a random worker is SIGKILLed and a new one started.
 * - `fleet-redis`: the fleet runs on a redis-server of its own (never the shared one), which
 *   is killed and started again, empty, mid-run: queued jobs, schedules, locks and budget
 *   windows are gone. Workers reconnect; schedulers put the schedules back; polls and
 *   reconciliations (the backbone) find what the lost jobs and the 503-answered webhooks
 *   carried.
 *
 * Then per tenant: duplicates in PowerOffice, records missing or not linked, every edit's
 * last value in PowerOffice (zero lost webhooks), intents or failures left, and the final
 * state against a clean run of the same shop with the same edits.
 *
 * While it waits for everything to arrive it prints, every 60 s, what is still outstanding
 * per tenant and the queue's counts; at the end, the jobs the workers found stalled and the
 * jobs BullMQ dropped (from the workers' logs). `--tenants N` and `--faults N` change the
 * size (default 20 tenants and 30 kills or 3 restarts or cuts; quick 2 and 2 or 1).
 */
import { tenantStore } from '../../engine/store/tenant-scope.ts';
import { Random } from '../../sandbox/common/random.ts';
import { POSTGRES_URL } from '../../test/services.ts';
import type { BenchContext } from '../lib/context.ts';
import { editCustomer } from '../lib/env.ts';
import {
  type Fleet,
  fleetServicesMissing,
  hookShops,
  startCuttableProxy,
  startFleet,
  startPrivateRedis,
} from '../lib/fleet.ts';
import { cleanRun, type ShopEdit } from './clean.ts';
import {
  type ChaosResult,
  differences,
  duplicatesIn,
  linksOf,
  missingIn,
  normalised,
  stateOf,
} from './lib.ts';

const UNITS = ['customer-person', 'customer-company', 'product', 'salesorder'];

type Fault = 'sigkill' | 'redis' | 'postgres';

export const fleetSigkill = (ctx: BenchContext) => fleetChaos(ctx, 'sigkill');
export const fleetRedis = (ctx: BenchContext) => fleetChaos(ctx, 'redis');
export const fleetPostgres = (ctx: BenchContext) => fleetChaos(ctx, 'postgres');

const NAMES: Record<Fault, { run: string; kind: string }> = {
  sigkill: { run: 'fleet: SIGKILL workers', kind: 'SIGKILL' },
  redis: { run: 'fleet: Redis restarted', kind: 'Redis restart' },
  postgres: { run: 'fleet: PostgreSQL unavailable', kind: 'PostgreSQL cut' },
};

/** A write already granted budget when the store went may still start this long after. */
const OUTAGE_GRACE_MS = 3000;

async function fleetChaos(ctx: BenchContext, fault: Fault): Promise<ChaosResult> {
  const missingService = await fleetServicesMissing();
  if (missingService) throw new Error(missingService);
  const quick = ctx.quick;
  const tenants = numberArg(ctx.args, '--tenants') ?? (quick ? 2 : 20);
  const size = (i: number) =>
    quick
      ? { customers: 6, products: 3, orders: 4, seed: 300 + i }
      : { customers: 15, products: 5, orders: 12, seed: 300 + i };
  const redis = fault === 'redis' ? await startPrivateRedis() : undefined;
  const pg = new URL(POSTGRES_URL);
  const proxy =
    fault === 'postgres'
      ? await startCuttableProxy({ host: pg.hostname, port: Number(pg.port || 5432) })
      : undefined;
  const random = new Random(fault === 'sigkill' ? 1313 : fault === 'redis' ? 1414 : 1515);
  const fleet = await startFleet({
    tenants,
    size,
    ...(redis ? { redis: redis.url } : {}),
    ...(proxy ? { storePort: proxy.port } : {}),
    // The backbone after a Redis restart: polls every 3 s, a reconciliation every 20 s.
    // (and after PostgreSQL returns: records failed during the outage are retried by polls).
    ...(fault !== 'sigkill' ? { service: ['schedule:', '  poll: 3s', '  reconcile: 20s'] } : {}),
  });
  const edits = new Map<string, ShopEdit[]>(fleet.ids.map((id) => [id, []]));
  let editing = true;
  let editErrors = 0;
  try {
    // The roles start together (each a node process: seconds on a busy machine).
    const workerCount = quick || fault === 'redis' ? 2 : 3;
    const [web, ...workers] = await Promise.all([
      fleet.start('web'),
      ...Array.from({ length: workerCount }, () => fleet.start('worker')),
      ...(fault !== 'sigkill' ? [fleet.start('scheduler')] : []),
    ]);
    if (fault !== 'sigkill') workers.pop();
    await hookShops(fleet, web!.url!);
    const started = Date.now();
    for (const id of fleet.ids)
      for (const mapping of UNITS) await fleet.queue.add({ v: 1, kind: 'backfill', tenant: id, mapping });

    // Edits all along: each one a webhook to the web role.
    let n = 0;
    const editor = (async () => {
      while (editing) {
        const id = fleet.ids[random.int(0, fleet.ids.length - 1)]!;
        const env = fleet.envs.get(id)!;
        const customers = env.woo.state.data.customers;
        const customer = Number(customers[random.int(0, customers.length - 1)]!.id);
        const body = { last_name: `Edit${++n}` };
        try {
          await editCustomer(env, customer, body);
          edits.get(id)!.push({ customer, body });
        } catch {
          editErrors++;
        }
        await sleep(700);
      }
    })();

    // The faults, once PowerOffice is being written to.
    const poWrites = () =>
      [...fleet.envs.values()].reduce(
        (sum, e) => sum + e.po.log.list().filter((r) => r.method !== 'GET').length,
        0,
      );
    const faults =
      numberArg(ctx.args, '--faults') ??
      (quick ? (fault === 'sigkill' ? 2 : 1) : fault === 'sigkill' ? 30 : 3);
    // Each fault lands once the backfill has made progress since the previous one (a number
    // of PowerOffice writes, not a time: on a busy machine a time may pass with no work).
    const writesBetween = quick ? 6 : fault === 'sigkill' ? 8 : 25;
    let landed = 0;
    let writesWhileDown = 0;
    const replacements: Array<Promise<unknown>> = [];
    let writesAtLast = 0;
    for (let k = 0; k < faults; k++) {
      const due = writesAtLast + writesBetween;
      await waitFor(() => poWrites() >= due, 300_000, `no progress before fault ${k + 1}`);
      const writesBefore = poWrites();
      writesAtLast = writesBefore;
      if (fault === 'sigkill') {
        const victim = workers.splice(random.int(0, workers.length - 1), 1)[0]!;
        await victim.kill('SIGKILL');
        // The replacement starts while the run goes on (a start takes seconds on a busy machine).
        replacements.push(fleet.start('worker').then((w) => workers.push(w)));
      } else if (fault === 'redis') {
        await redis!.restart();
      } else {
        // Writes stop: none may start after the grace while PostgreSQL is gone.
        proxy!.cut();
        const cutAt = Date.now();
        await sleep(quick ? 6000 : 15_000);
        writesWhileDown += writesStartedBetween(fleet, cutAt + OUTAGE_GRACE_MS, Date.now());
        proxy!.restore();
      }
      if (!(await settled(fleet, edits))) landed++;
      ctx.log(`  fault ${k + 1}/${faults} (${fault}) after ${writesBefore} PowerOffice writes`);
    }
    // Edits go on until two more have been made after the last fault (and its replacement
    // worker runs); then everything must arrive.
    await Promise.all(replacements);
    const editsMade = () => [...edits.values()].reduce((sum, l) => sum + l.length, 0);
    const editsAfter = editsMade() + 2;
    await waitFor(
      () => editsMade() >= editsAfter || editErrors > 50,
      120_000,
      'the shops took no more edits',
    );
    editing = false;
    await editor;
    // Settled: the same checks as the verdict below (nothing missing, no edit lost, nothing
    // pending), looked at every 250 ms until they hold or the time is up.
    const quietBy = Date.now() + (quick ? 240_000 : 900_000);
    let arrived = true;
    let nextReport = Date.now() + 60_000;
    while (!(await settled(fleet, edits))) {
      if (Date.now() > quietBy) {
        arrived = false;
        break;
      }
      // What is still outstanding, once a minute: the evidence when a run does not converge.
      if (Date.now() >= nextReport) {
        nextReport += 60_000;
        ctx.log(`  ${seconds(started)} s: ${await outstanding(fleet, edits)}`);
      }
      await sleep(250);
    }
    const arrivedAfter = seconds(started);
    await Promise.allSettled(fleet.processes.map((p) => p.kill('SIGKILL')));
    const stalls = stallsIn(fleet);
    ctx.log(`  ${stalls.line}`);

    const result: ChaosResult = {
      run: NAMES[fault].run,
      trials: tenants,
      faults: faults,
      faultKinds: { [NAMES[fault].kind]: faults },
      duplicates: [],
      missing: [],
      pending: [],
      equalToClean: true,
      differences: [],
    };
    let delivered = 0;
    let refused = 0;
    // The clean reference runs, one per tenant, 4 at a time: 20 side by side in this one
    // process (each with its two sandboxes) starved each other on a loaded machine.
    const cleans: Array<Awaited<ReturnType<typeof cleanRun>>> = [];
    for (let i = 0; i < fleet.ids.length; i += 4)
      cleans.push(
        ...(await Promise.all(
          fleet.ids.slice(i, i + 4).map((id) => cleanRun(fleet.sizes.get(id)!, edits.get(id)!)),
        )),
      );
    for (const [i, id] of fleet.ids.entries()) {
      const env = fleet.envs.get(id)!;
      const backend = tenantStore(fleet.store, id);
      const state = await stateOf(env);
      result.duplicates.push(...duplicatesIn(state).map((d) => `${id}: ${d}`));
      const { missing, pending } = await missingIn(state, backend);
      const lost = lostEdits(id, state, edits.get(id)!);
      result.missing.push(...missing.map((m) => `${id}: ${m}`), ...lost.map((l) => l.line));
      result.pending.push(...pending.map((p) => `${id}: ${p}`));
      // What the store holds for a customer whose edit is lost: the evidence to diagnose it.
      for (const l of lost) {
        const link = (await linksOf(backend, 'customer-person')).find(
          (k) => k.sourceId === String(l.customer),
        );
        ctx.log(`  ${l.line}; its link: ${JSON.stringify(link ?? null)}`);
      }
      const clean = cleans[i]!;
      const diffs = differences(await normalised(state, backend), clean.normal);
      if (diffs.length > 0) result.equalToClean = false;
      result.differences.push(...diffs.map((d) => `${id}: ${d}`));
      for (const d of env.woo.state.data.deliveries) {
        if (d.ping) continue;
        if (d.ok) delivered++;
        else refused++;
      }
    }
    const editCount = [...edits.values()].reduce((s, l) => s + l.length, 0);
    result.extra =
      `${tenants} tenants, ${faults} faults (${landed} while work was outstanding), ${editCount} edits by webhook` +
      `${refused ? ` (${refused} deliveries not taken while Redis was down: found by polls)` : ''}` +
      `${editErrors ? `, ${editErrors} edits the shop refused` : ''}; ${stalls.short}; ` +
      `${arrived ? 'everything arrived' : 'NOT everything had arrived'} ${arrivedAfter} s after the backfill began`;
    ctx.log(`  ${result.extra}; webhook deliveries taken (200): ${delivered}, not taken: ${refused}`);
    // What the roles logged (warnings and errors), when something is wrong or asked for.
    if (process.env.FLEET_DEBUG || result.missing.length + result.pending.length > 0) {
      for (const p of fleet.processes) ctx.log(p.output().slice(-3000));
    }
    if (fault === 'postgres') {
      result.figures = [
        {
          name: `PowerOffice writes started while PostgreSQL was down (after ${OUTAGE_GRACE_MS / 1000} s)`,
          measured: writesWhileDown,
          limit: 0,
          unit: '',
          kind: 'equal',
        },
      ];
    }
    return result;
  } finally {
    editing = false;
    await fleet.close();
    await redis?.stop();
    await proxy?.close();
  }
}

/**
 * Per tenant, what the verdict checks: every record in PowerOffice and linked, every
 * edit's last value in PowerOffice, and no intent or failed record left.
 */
async function settled(fleet: Fleet, edits: Map<string, ShopEdit[]>): Promise<boolean> {
  for (const id of fleet.ids) {
    const state = await stateOf(fleet.envs.get(id)!);
    if (lostEdits(id, state, edits.get(id)!).length > 0) return false;
    const { missing, pending } = await missingIn(state, tenantStore(fleet.store, id));
    if (missing.length + pending.length > 0) return false;
  }
  return true;
}

/** Per tenant not settled: records missing, edits lost, intents or failures pending; the queue. */
async function outstanding(fleet: Fleet, edits: Map<string, ShopEdit[]>): Promise<string> {
  const parts: string[] = [];
  for (const id of fleet.ids) {
    const state = await stateOf(fleet.envs.get(id)!);
    const lost = lostEdits(id, state, edits.get(id)!).length;
    const { missing, pending } = await missingIn(state, tenantStore(fleet.store, id));
    if (missing.length + lost + pending.length === 0) continue;
    const first = missing[0] ?? pending[0];
    parts.push(
      `${id} ${missing.length} missing, ${lost} edits lost, ${pending.length} pending${first ? ` (${first})` : ''}`,
    );
  }
  const counts = await fleet.queue.queue
    .getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed')
    .then((c) =>
      Object.entries(c)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    )
    .catch((error: Error) => `not readable: ${error.message}`);
  return `still outstanding: ${parts.join('; ') || 'nothing'}; queue: ${counts}`;
}

/**
 * The stalls the workers logged (BullMQ's `stalled` event: a job whose worker died, taken
 * back) and the jobs BullMQ dropped for stalling too often (roles/worker.ts, MAX_STALLS).
 */
function stallsIn(fleet: Fleet): { line: string; short: string } {
  const perJob = new Map<string, number>();
  const dropped: string[] = [];
  for (const p of fleet.processes) {
    for (const text of p.output().split('\n')) {
      if (!text.includes('job stalled') && !text.includes('job dropped')) continue;
      let entry: {
        msg?: string;
        job?: string;
        tenant?: string;
        mapping?: string;
        kind?: string;
        stalls?: number;
      };
      try {
        entry = JSON.parse(text);
      } catch {
        continue;
      }
      if (entry.msg?.startsWith('job stalled'))
        perJob.set(String(entry.job), (perJob.get(String(entry.job)) ?? 0) + 1);
      else if (entry.msg?.startsWith('job dropped'))
        dropped.push(`${entry.tenant}/${entry.mapping} ${entry.kind} after ${entry.stalls} stalls`);
    }
  }
  const total = [...perJob.values()].reduce((a, b) => a + b, 0);
  const most = Math.max(0, ...perJob.values());
  const short = `${total} stalls of ${perJob.size} jobs (at most ${most} of one), ${dropped.length} jobs dropped`;
  return { short, line: `stalled jobs: ${short}${dropped.length ? `: ${dropped.join(', ')}` : ''}` };
}

/** `--name N` of the command line (a whole number ≥ 1), or undefined. */
function numberArg(args: readonly string[], name: string): number | undefined {
  const at = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return undefined;
  const text = args[at]!.includes('=') ? args[at]!.split('=')[1] : args[at + 1];
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a whole number ≥ 1, not ${text}`);
  return value;
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(0);

/** Edits whose last value is not in PowerOffice. */
function lostEdits(
  id: string,
  state: Awaited<ReturnType<typeof stateOf>>,
  list: readonly ShopEdit[],
): Array<{ customer: number; line: string }> {
  const last = new Map<number, string>();
  for (const e of list) last.set(e.customer, String(e.body.last_name));
  const out: Array<{ customer: number; line: string }> = [];
  for (const [customer, value] of last) {
    const po = state.po.customers.find((c) => String(c.ExternalImportReference ?? '') === String(customer));
    if (po?.LastName !== value)
      out.push({
        customer,
        line: `${id}: edit of customer ${customer} (${value}) not in PowerOffice (${String(po?.LastName)})`,
      });
  }
  return out;
}

/** PowerOffice writes (any tenant) whose request started within [from, to]. */
function writesStartedBetween(fleet: Fleet, from: number, to: number): number {
  let n = 0;
  for (const env of fleet.envs.values()) {
    for (const r of env.po.log.list()) {
      const start = Date.parse(r.at) - r.durationMs;
      if (r.method !== 'GET' && start >= from && start <= to) n++;
    }
  }
  return n;
}

async function waitFor(check: () => boolean, ms: number, why: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(why);
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
