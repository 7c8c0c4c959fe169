/**
 * The invariants a fuzz run checks once the service has had its chance, each from what an
 * operator can see: the shop and PowerOffice (the sandboxes' admin state, records as their
 * APIs render them), the store through the CLI (`mapsync links --json`, `mapsync links
 * --check`, `mapsync failed --json`), and the service's own output (its logs).
 *
 * - settled: every shop record that takes part (customers, products not deleted, orders
 *   processing/completed) is linked or failed with a code and a reason;
 * - one-to-one: `mapsync links --check` exits 0;
 * - nothing dropped: for each linked customer and product without a failure, every value the
 *   mapping yields for it (computed by the shipped mapping itself, in-process) is in the
 *   PowerOffice record; each linked order has as many lines in PowerOffice as in the shop;
 * - no personal data in logs: none of the tags the personal values carried is in the output.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildConnectors } from '../../engine/compose.ts';
import { connectors as registry } from '../../engine/connectors/index.ts';
import { inProcessEvaluator } from '../../engine/mapping/evaluate.ts';
import type { CompiledMapping } from '../../engine/mapping/model.ts';
import { loadProject } from '../../engine/mapping/project.ts';
import { SETTINGS_VARIABLE } from '../../engine/mapping/settings-refs.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';
import type { FailedRecord, LinkRecord } from '../../engine/store/sync-state.ts';
import { settingsSidesOf } from '../../engine/sync/run-settings.ts';
import { REPO } from '../lib/env.ts';
import type { Shop } from './drive.ts';
import type { Sandboxes, Service } from './processes.ts';

type Rec = Record<string, unknown>;

export interface Invariants {
  unsettled: string[];
  failedWithoutReason: string[];
  manyToOne: string[];
  dropped: string[];
  personalInLogs: string[];
  counts: { synced: number; failed: number; failedCodes: Record<string, number>; checkedValues: number };
}

/**
 * One CLI answer. An empty answer (seen once under heavy load: the store busy, or the process
 * starved until it was cut short) is asked again once; a second empty one is an error that
 * names the command, its exit status and the end of its stderr, never "Unexpected end of
 * JSON input".
 */
async function cli(service: Service, args: string[]): Promise<{ code: number | null; out: string }> {
  const first = await cliOnce(service, args);
  if (first.out.trim() !== '') return first;
  const again = await cliOnce(service, args);
  if (again.out.trim() !== '') return again;
  throw new Error(
    `mapsync ${args.join(' ')} answered nothing twice (exit ${again.code}): ${again.err.slice(-500) || first.err.slice(-500)}`,
  );
}

async function cliOnce(
  service: Service,
  args: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(REPO, 'bin/mapsync.js'), ...args], {
    cwd: service.dir,
    env: { ...process.env, ...service.env, MAPSYNC_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  const errors: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => errors.push(c));
  // 'close', not 'exit': the exit can come before the last of stdout is read (an empty or
  // cut JSON answer, "Unexpected end of JSON input", seen with seed 20261205).
  const code = await new Promise<number | null>((r) => child.once('close', r));
  return { code, out: chunks.join(''), err: errors.join('') };
}

async function state(sandboxes: Sandboxes) {
  const poRoot = sandboxes.po.url.replace(/\/v2$/, '');
  const [woo, po] = await Promise.all([
    fetch(`${sandboxes.woo.url}/__admin/state`).then((r) => r.json() as Promise<Record<string, Rec[]>>),
    fetch(`${poRoot}/__admin/state`).then((r) => r.json() as Promise<Record<string, Rec[]>>),
  ]);
  return { woo, po };
}

const MAPPING_OF = { customers: 'customer-person', products: 'product', orders: 'salesorder' } as const;

export async function checkInvariants(
  shop: Shop,
  sandboxes: Sandboxes,
  service: Service,
): Promise<Invariants> {
  const out: Invariants = {
    unsettled: [],
    failedWithoutReason: [],
    manyToOne: [],
    dropped: [],
    personalInLogs: [],
    counts: { synced: 0, failed: 0, failedCodes: {}, checkedValues: 0 },
  };
  // The store first, the systems after: a record the service links while this reads is then
  // in PowerOffice's state too (read together, a fresh link could name a record that the
  // earlier state read did not have yet: a false "dropped").
  const [linksRun, failedRun, checkRun] = await Promise.all([
    cli(service, ['links', '--json']),
    cli(service, ['failed', '--json']),
    cli(service, ['links', '--check', '--json']),
  ]);
  const { woo, po } = await state(sandboxes);
  const links = new Map<string, Map<string, LinkRecord>>();
  for (const m of (JSON.parse(linksRun.out) as { mappings: Array<{ mapping: string; links: LinkRecord[] }> })
    .mappings) {
    links.set(m.mapping, new Map(m.links.map((l) => [l.sourceId, l])));
  }
  const failed = JSON.parse(failedRun.out) as FailedRecord[];
  const failedBy = new Map(failed.filter((f) => f.side === 'source').map((f) => [`${f.mapping}:${f.id}`, f]));
  for (const f of failed) {
    out.counts.failedCodes[f.code] = (out.counts.failedCodes[f.code] ?? 0) + 1;
    if (!f.code || !f.reason?.trim())
      out.failedWithoutReason.push(`${f.mapping} ${f.side} ${f.id}: code "${f.code}"`);
  }
  // One-to-one: the CLI's own check (exit 1 names the shared target records).
  const check = JSON.parse(checkRun.out) as {
    manyToOne: Array<{ mapping: string; targetId: string; sourceIds: string[] }>;
  };
  if (checkRun.code !== 0 || check.manyToOne.length > 0) {
    for (const s of check.manyToOne)
      out.manyToOne.push(`${s.mapping}: ${s.targetId} ← ${s.sourceIds.join(', ')}`);
    if (check.manyToOne.length === 0) out.manyToOne.push(`links --check exited ${checkRun.code}`);
  }

  // Settled: linked or failed with a reason.
  const wooRecords = {
    customers: (woo.customers ?? []).filter((c) => shop.customers.includes(c.id as number)),
    products: (woo.products ?? []).filter(
      (p) => shop.products.includes(p.id as number) && !shop.deletedProducts.includes(p.id as number),
    ),
    orders: (woo.orders ?? []).filter(
      (o) => shop.orders.some((x) => x.id === o.id) && ['processing', 'completed'].includes(String(o.status)),
    ),
  };
  for (const [kind, mapping] of Object.entries(MAPPING_OF) as Array<[keyof typeof MAPPING_OF, string]>) {
    for (const record of wooRecords[kind]) {
      const id = String(record.id);
      const isFailed = failedBy.has(`${mapping}:${id}`);
      const isLinked = links.get(mapping)?.has(id) === true;
      if (isFailed) out.counts.failed++;
      else if (isLinked) out.counts.synced++;
      else out.unsettled.push(`${mapping} ${id}: neither linked nor failed`);
    }
  }

  // Nothing dropped: what the mapping yields is what PowerOffice holds.
  const project = await loadProject({
    configPath: service.env.MAPSYNC_CONFIG!,
    env: service.env,
    requireEnv: false,
    registry,
    cwd: service.dir,
  });
  const byName = new Map(project.mappings.map((m) => [m.name, m]));
  const poById = (list: Rec[] | undefined) => new Map((list ?? []).map((r) => [String(r.Id), r]));
  const poCustomers = poById(po.customers);
  const poProducts = poById(po.products);
  const poOrders = poById(po.salesorders);
  // The systems' run settings (the shop's tax settings, PowerOffice's sales accounts), read
  // through the connectors and bound as the engine binds them (engine/sync/run-settings.ts).
  const connectors = await buildConnectors(
    project.systems,
    registry,
    createRuntime({ logger: createLogger({ level: 'warn' }) }),
  );
  const settingsOf = async (mapping: CompiledMapping): Promise<Record<string, unknown>> => {
    const bindings: Record<string, unknown> = {};
    for (const side of settingsSidesOf(mapping)) {
      const capability = connectors.get(mapping[side].system)?.runSettings;
      if (capability) bindings[SETTINGS_VARIABLE[side]] = await capability.read();
    }
    return bindings;
  };
  for (const [kind, list, targets] of [
    ['customers', wooRecords.customers, poCustomers],
    ['products', wooRecords.products, poProducts],
  ] as const) {
    const mapping = byName.get(MAPPING_OF[kind])!;
    const ctx = { link: async () => undefined, bindings: await settingsOf(mapping) };
    for (const record of list) {
      const link = links.get(mapping.name)?.get(String(record.id));
      if (!link || failedBy.has(`${mapping.name}:${record.id}`)) continue;
      const target = targets.get(link.targetId);
      if (!target) {
        out.dropped.push(
          `${mapping.name} ${record.id}: linked to ${link.targetId}, which PowerOffice does not have`,
        );
        continue;
      }
      out.dropped.push(...(await compare(mapping, record, target, ctx, out)));
    }
  }
  for (const order of wooRecords.orders) {
    const link = links.get('salesorder')?.get(String(order.id));
    if (!link || failedBy.has(`salesorder:${order.id}`) || failedBy.has(`salesorderline:${order.id}`))
      continue;
    const target = poOrders.get(link.targetId);
    const want =
      ((order.line_items as Rec[]) ?? []).length +
      ((order.shipping_lines as Rec[]) ?? []).length +
      ((order.fee_lines as Rec[]) ?? []).length;
    const have = ((target?.SalesOrderLines as Rec[]) ?? []).length;
    out.counts.checkedValues++;
    if (have !== want) out.dropped.push(`salesorder ${order.id}: ${have} of ${want} lines in PowerOffice`);
  }

  // No personal data in logs.
  const logs = service.output();
  for (const tag of new Set(shop.personalTags)) {
    const at = logs.indexOf(tag);
    if (at >= 0) {
      const line = logs.slice(logs.lastIndexOf('\n', at) + 1, logs.indexOf('\n', at)).slice(0, 300);
      out.personalInLogs.push(`${tag}: ${line}`);
    }
  }
  await Promise.allSettled([...connectors.values()].map((c) => c.close()));
  return out;
}

async function compare(
  mapping: CompiledMapping,
  source: Rec,
  target: Rec,
  ctx: { link: () => Promise<undefined>; bindings: Record<string, unknown> },
  out: Invariants,
): Promise<string[]> {
  let expected: Map<string, unknown>;
  try {
    expected = await inProcessEvaluator.valuesForTarget(mapping, source, ctx);
  } catch {
    // The mapping fails on this record: then the engine must have failed it too.
    return [`${mapping.name} ${source.id}: the mapping fails on it, yet it is linked without a failure`];
  }
  const actual = inProcessEvaluator.readTargetValues(mapping, target);
  const problems: string[] = [];
  for (const [path, want] of expected) {
    // An empty value never overwrites (docs/sync-engine.md): nothing to find.
    if (want === undefined || want === null || want === '') continue;
    out.counts.checkedValues++;
    const type = mapping.properties.find((p) => p.target === path)?.type;
    const have = actual.get(path);
    if (inProcessEvaluator.sameValue(want, have, type)) continue;
    // PowerOffice's own normalisation is not a drop: it derives a person's Name from the
    // first and last names (without JSONata's whitespace collapsing) and upper-cases codes.
    if (typeof want === 'string' && typeof have === 'string' && loose(want) === loose(have)) continue;
    // A one-word person name travels with "-" as its missing half (customer-person.yaml), and
    // PowerOffice's derived Name then carries it too.
    if (path === 'Name' && target.IsPerson === true && typeof have === 'string') {
      const derived = [target.FirstName, target.LastName].filter((x) => typeof x === 'string').join(' ');
      if (loose(have) === loose(derived)) continue;
    }
    problems.push(
      `${mapping.name} ${source.id}: ${path} is ${describe(have)} in PowerOffice, the mapping yields ${describe(want)}`,
    );
  }
  return problems;
}

/** A string up to whitespace runs, case and Unicode normal form. */
const loose = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();

const describe = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}… (${s.length} chars)` : s;
};
