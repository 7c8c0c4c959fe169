/**
 * One worker process of the fairness bench (bench/fairness.ts): a RateBudgetHub, as a
 * mapsync worker has, and some tenants, each with its own PowerOffice Go connector whose
 * Runtime gets the tenant's fleet limiters. A backfilling tenant creates customers back to
 * back (`concurrency` at a time, priority backfill); the others edit their customer's phone
 * every `editEveryMs` (priority interactive). Prints one JSON line when done:
 * { edits: [{ tenant, startedAt, ms }], backfill: n, failures: n, starts: [ms], stats }.
 *
 * Usage: node --import tsx bench/lib/fairness-worker.ts '<json settings>'
 */
import type { LimiterRegistry, RequestLimiter } from '../../engine/connectors/http/limiter.ts';
import { RateLimiterRegistry } from '../../engine/connectors/http/rate-limiter.ts';
import { connectors } from '../../engine/connectors/index.ts';
import type { Connector } from '../../engine/connectors/types.ts';
import { RateBudgetHub } from '../../engine/fleet/rate-budget/hub.ts';
import { WorkContext } from '../../engine/fleet/work-context.ts';
import { createLogger } from '../../engine/observability/logger.ts';
import { createRuntime } from '../../engine/runtime.ts';

interface Settings {
  redis: string;
  prefix: string;
  po: { url: string; tokenUrl: string; applicationKey: string; clientKey: string; subscriptionKey: string };
  tenants: Array<{ id: string; backfill?: boolean; customerId?: number }>;
  durationMs: number;
  editEveryMs: number;
  concurrency: number;
  /** Baseline: every tenant on this process's in-process limiter instead of the shared budget. */
  local?: boolean;
  /** The hub's least margin (RateBudgetOptions.marginMs); default the connector's 50 ms. */
  marginMs?: number;
}

const settings = JSON.parse(process.argv[2]!) as Settings;
const work = new WorkContext();
const hub = new RateBudgetHub({
  redis: settings.redis,
  prefix: settings.prefix,
  work,
  ...(settings.marginMs ? { marginMs: settings.marginMs } : {}),
});
const logger = createLogger({ level: 'silent' });
const local = new RateLimiterRegistry();
const factory = connectors.get('poweroffice-go')!;
const connectorOf = (tenant: string): Promise<Connector> =>
  factory.create(
    {
      connector: 'poweroffice-go',
      url: settings.po.url,
      token_url: settings.po.tokenUrl,
      application_key: settings.po.applicationKey,
      client_key: settings.po.clientKey,
      subscription_key: settings.po.subscriptionKey,
      rate_limit: 10,
    },
    createRuntime({ logger, limiters: recording(settings.local ? local : hub.registryFor(tenant)) }),
  );

/** When the budget let each request start (this process's clock), next to what the sandbox saw. */
const starts: number[] = [];
function recording(inner: LimiterRegistry): LimiterRegistry {
  return {
    forCredential(system, credential, options) {
      const limiter = inner.forCredential(system, credential, options);
      const wrapped: RequestLimiter = {
        limit: limiter.limit,
        intervalMs: limiter.intervalMs,
        schedule: (fn, onWait, signal) =>
          limiter.schedule(
            () => {
              starts.push(Date.now());
              return fn();
            },
            onWait,
            signal,
          ),
        pause: (ms) => limiter.pause(ms),
        inUse: () => limiter.inUse(),
        queued: () => limiter.queued(),
      };
      return wrapped;
    },
    entries: () => inner.entries(),
  };
}

const edits: Array<{ tenant: string; startedAt: number; ms: number }> = [];
let backfill = 0;
let failures = 0;
process.stdout.write('ready\n');
const go = await new Promise<number>((resolve) => {
  process.stdin.once('data', (d) => resolve(Number(String(d).trim())));
});
const end = go + settings.durationMs;
const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

await Promise.all(
  settings.tenants.map(async (tenant, index) => {
    const connector = await connectorOf(tenant.id);
    if (tenant.backfill) {
      let n = 0;
      await Promise.all(
        Array.from({ length: settings.concurrency }, async () => {
          while (Date.now() < end) {
            const i = n++;
            try {
              await work.run({ priority: 'backfill' }, () =>
                connector.create('customer', {
                  IsPerson: true,
                  FirstName: 'Backfill',
                  LastName: `${tenant.id}-${i}`,
                  EmailAddress: `backfill-${i}@example.com`,
                }),
              );
              backfill++;
            } catch {
              failures++;
            }
          }
        }),
      );
    } else {
      // Spread the tenants' edits over the interval, as independent shops would be.
      let next = go + ((index * 7919) % settings.editEveryMs);
      for (let k = 0; next < end; k++, next += settings.editEveryMs) {
        await sleepUntil(next);
        const startedAt = Date.now();
        try {
          await work.run({ priority: 'interactive' }, () =>
            connector.update('customer', String(tenant.customerId), [
              { op: 'replace', path: '/PhoneNumber', value: `+47 ${k}` },
            ]),
          );
          edits.push({ tenant: tenant.id, startedAt, ms: Date.now() - startedAt });
        } catch {
          failures++;
        }
      }
    }
    await connector.close();
  }),
);
process.stdout.write(`${JSON.stringify({ edits, backfill, failures, starts, stats: hub.stats })}\n`);
await hub.close();
process.exit(0);
