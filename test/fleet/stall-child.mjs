/**
 * A child process for stalled-jobs.test.ts: one worker role (engine/fleet/roles/worker.ts,
 * the real one) on the test's queue, with a fake tenant engine whose record job never ends
 * (the test SIGKILLs this process while it runs) unless `finish` is set. BullMQ's lock and
 * stall check every second (`stallMs` 1000), the record locks live 1 s without renewal.
 * Prints `ready`, `running` when the job's work starts, `outcome <outcome>` per job the role
 * reports, and `failed <reason>` for every job BullMQ fails on this worker; the role's log
 * (JSON, warn and up) goes to stderr.
 * Usage: node stall-child.mjs '<json settings>'
 *
 * Plain JavaScript on dist/ (built from this tree by the test run's global setup, as
 * bin/mapsync.js and budget-child.mjs run it), not TypeScript through tsx: the test starts
 * ten of these, and each then starts without compiling the worker role's import graph.
 */
import { Locks } from '../../dist/engine/fleet/locks/locks.js';
import { FleetMetrics } from '../../dist/engine/fleet/observe/fleet-metrics.js';
import { JobBoard } from '../../dist/engine/fleet/observe/job-board.js';
import { startWorkerRole } from '../../dist/engine/fleet/roles/worker.js';
import { WorkContext } from '../../dist/engine/fleet/work-context.js';
import { createLogger } from '../../dist/engine/observability/logger.js';

/** @type {{ redis: string, prefix: string, finish: boolean, maxStalls?: number }} */
const settings = JSON.parse(process.argv[2]);
const say = (line) => process.stdout.write(`${line}\n`);
const port = {
  async syncRecord() {
    say('running');
    // Until this process is killed: the job stays active, its locks renewed.
    if (!settings.finish) await new Promise(() => {});
  },
};
// The worker's tenant engines reduced to one tenant (`shop-1`, one unit `customer`), as
// one-engine.ts builds them for the in-process tests (a .ts file this child cannot import).
const engine = {
  tenant: 'shop-1',
  port,
  units: [{ name: 'customer', locksWith: [] }],
  waits: new Map(),
  connectors: new Map(),
  lastUsed: Date.now(),
  close: async () => {},
};
const engines = { get: async () => engine, release: () => {}, dropIdle: async () => 0 };
const role = startWorkerRole({
  queue: { redis: settings.redis, prefix: settings.prefix },
  engines,
  locks: new Locks({ redis: settings.redis, prefix: `${settings.prefix}:`, ttlMs: 1000 }),
  work: new WorkContext(),
  logger: createLogger({ level: 'warn', pretty: false }),
  concurrency: 1,
  stallMs: 1000,
  // The locks of the killed holder run out within 1 s: wait for them, not a delay.
  lockWaitMs: 20_000,
  ...(settings.maxStalls !== undefined ? { maxStalls: settings.maxStalls } : {}),
  metrics: new FleetMetrics({ defaultMetrics: false }),
  board: new JobBoard({ redis: settings.redis, prefix: `${settings.prefix}:` }),
  onJob: (_job, outcome) => say(`outcome ${outcome}`),
});
role.worker.on('failed', (_job, error) => say(`failed ${error.message}`));
await role.worker.waitUntilReady();
say('ready');
