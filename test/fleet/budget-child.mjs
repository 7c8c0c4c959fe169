/**
 * A child process for rate-budget-processes.test.ts: one hub (as one mapsync worker has),
 * `count` calls of one tenant at one priority, `concurrency` at a time. Prints `ready`, one
 * `start <ms>` line per call the budget let start (Date.now() as the call's first act) and
 * `done`. Usage: node budget-child.mjs '<json settings>'
 *
 * Plain JavaScript on dist/ (built from this tree by the test run's global setup, as
 * bin/mapsync.js runs it), not TypeScript through tsx: each child then starts in about half
 * the CPU time (0.35 s instead of 0.75 s measured), and the test starts eight of them.
 *
 * Settings: { redis, prefix, tenant, priority: 'interactive' | 'reconcile' | 'backfill',
 * count, concurrency, limit, leaseMs? }
 */
import { RateBudgetHub } from '../../dist/engine/fleet/rate-budget/hub.js';
import { WorkContext } from '../../dist/engine/fleet/work-context.js';

const settings = JSON.parse(process.argv[2]);
const hub = new RateBudgetHub({
  redis: settings.redis,
  prefix: settings.prefix,
  work: new WorkContext(),
  unavailableTimeoutMs: 60_000,
  ...(settings.leaseMs ? { leaseMs: settings.leaseMs } : {}),
});
const limiter = hub.registryFor(settings.tenant).forCredential('poweroffice-go', 'one-shared-key', {
  limit: settings.limit,
});
process.stdout.write('ready\n');
let next = 0;
await Promise.all(
  Array.from({ length: settings.concurrency }, async () => {
    while (next < settings.count) {
      next++;
      await hub.work.run({ priority: settings.priority }, () =>
        limiter.schedule(async () => {
          process.stdout.write(`start ${Date.now()}\n`);
        }),
      );
    }
  }),
);
process.stdout.write(`done ${JSON.stringify(hub.stats)}\n`);
await hub.close();
process.exit(0);
