/**
 * A child process for rate-budget-processes.test.ts: one hub (as one mapsync worker has),
 * `count` calls of one tenant at one priority, `concurrency` at a time. Prints `ready`, one
 * `start <ms>` line per call the budget let start (Date.now() as the call's first act) and
 * `done`. Usage: node --import tsx budget-child.ts '<json settings>'
 */
import { RateBudgetHub } from '../../engine/fleet/rate-budget/hub.ts';
import { WorkContext } from '../../engine/fleet/work-context.ts';

const settings = JSON.parse(process.argv[2]!) as {
  redis: string;
  prefix: string;
  tenant: string;
  priority: 'interactive' | 'reconcile' | 'backfill';
  count: number;
  concurrency: number;
  limit: number;
  leaseMs?: number;
};
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
