/**
 * A child process for stalled-jobs.test.ts: one worker role (engine/fleet/roles/worker.ts,
 * the real one) on the test's queue, with a fake tenant engine whose record job never ends
 * (the test SIGKILLs this process while it runs) unless `finish` is set. BullMQ's lock and
 * stall check every second (`stallMs` 1000), the record locks live 1 s without renewal.
 * Prints `ready`, `running` when the job's work starts, `outcome <outcome>` per job the role
 * reports, and `failed <reason>` for every job BullMQ fails on this worker; the role's log
 * (JSON, warn and up) goes to stderr.
 * Usage: node --import tsx stall-child.ts '<json settings>'
 */

import { Locks } from '../../engine/fleet/locks/locks.ts';
import { FleetMetrics } from '../../engine/fleet/observe/fleet-metrics.ts';
import { JobBoard } from '../../engine/fleet/observe/job-board.ts';
import { startWorkerRole } from '../../engine/fleet/roles/worker.ts';
import { WorkContext } from '../../engine/fleet/work-context.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import type { ServiceEngine } from '../../engine/service/ports.ts';
import { oneEngine } from './one-engine.ts';

const settings = JSON.parse(process.argv[2]!) as {
  redis: string;
  prefix: string;
  finish: boolean;
  maxStalls?: number;
};
const say = (line: string) => process.stdout.write(`${line}\n`);
const port = {
  async syncRecord() {
    say('running');
    // Until this process is killed: the job stays active, its locks renewed.
    if (!settings.finish) await new Promise(() => {});
  },
} satisfies Partial<ServiceEngine>;
const engines = oneEngine(port);
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
