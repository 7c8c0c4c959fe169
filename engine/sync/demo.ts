/**
 * The demo loop behind `mapsync demo`: both sandboxes in this process (seeded), a fresh
 * SQLite store under data/, one `sync` every few seconds, and a line for every change that
 * travelled. `startDemoSystems` is the reusable bootstrapping (sandboxes + environment).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AllSandboxes, envLines, startAllSandboxes } from '../../sandbox/start-all.ts';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { openProject } from './compose.ts';
import type { RecordEvent } from './events.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));

export interface DemoSystems {
  sandboxes: AllSandboxes;
  /** Environment for the shipped mapsync.yaml, pointing at the sandboxes and the store. */
  env: Record<string, string>;
  storeFile: string;
}

/** Start both sandboxes (seeded) and a fresh store file; returns the environment to use. */
export async function startDemoSystems(options: {
  seed: number;
  dataDir: string;
  rateLimit?: number | false;
}): Promise<DemoSystems> {
  const storeFile = join(options.dataDir, 'demo.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${storeFile}${suffix}`, { force: true });
  const sandboxes = await startAllSandboxes({
    seed: options.seed,
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
  });
  const env: Record<string, string> = Object.fromEntries(
    envLines(sandboxes).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  env.MAPSYNC_STORE = `sqlite://${storeFile}`;
  return { sandboxes, env, storeFile };
}

export interface DemoOptions {
  seed: number;
  intervalMs: number;
  dataDir: string;
  registry: ConnectorRegistry;
  baseEnv: Readonly<Record<string, string | undefined>>;
  out: (text: string) => void;
  signal: AbortSignal;
}

const TRAVELLED = new Set(['created', 'updated', 'archived', 'deleted', 'failed', 'conflict']);

export async function runDemo(options: DemoOptions): Promise<void> {
  const { sandboxes, env } = await startDemoSystems({ seed: options.seed, dataDir: options.dataDir });
  const { woocommerce: woo, poweroffice: po } = sandboxes;
  let first = true;
  const onRecord = (e: RecordEvent) => {
    if (first || !TRAVELLED.has(e.outcome)) return;
    const arrow = e.direction === 'to-source' ? '←' : e.direction === 'both' ? '↔' : '→';
    const what =
      e.properties.length > 0
        ? ` (${e.properties.slice(0, 6).join(', ')}${e.properties.length > 6 ? ', …' : ''})`
        : '';
    const reason = e.reason ? `: ${e.reason}` : '';
    options.out(
      `${new Date().toISOString().slice(11, 19)}  ${e.mapping} ${e.side} ${e.id} ${arrow} ${e.partnerId ?? ''} ${e.outcome}${what}${reason}\n`,
    );
  };
  const opened = await openProject({
    configPath: join(REPO_ROOT, 'mapsync.yaml'),
    env: { ...options.baseEnv, ...env },
    cwd: REPO_ROOT,
    registry: options.registry,
    events: { recordProcessed: onRecord },
  });
  const basic = `${woo.consumerKey}:${woo.consumerSecret}`;
  options.out(
    [
      'mapsync demo: WooCommerce ↔ PowerOffice Go, both sandboxes in this process',
      `  WooCommerce     ${woo.url}   (state: ${woo.url}/__admin/state)`,
      `  PowerOffice Go  ${po.url}   (state: ${po.adminUrl}/state)`,
      `  link store      ${opened.store.description}`,
      `  mappings        ${opened.engine.order.join(', ')}`,
      '',
      'Edit a customer in the shop and watch the change travel (within a few seconds):',
      `  curl -s -u '${basic}' -X PUT -H 'content-type: application/json' \\`,
      `       -d '{"billing":{"city":"Hammerfest"}}' ${woo.apiUrl}/customers/1 >/dev/null`,
      'Inspect the links and failed records with the same store:',
      `  MAPSYNC_STORE=sqlite://${opened.store.description.replace(/^sqlite /, '')} mapsync links customer-person`,
      'Ctrl-C stops.',
      '',
    ].join('\n'),
  );
  try {
    while (!options.signal.aborted) {
      const summary = await opened.engine.run({ signal: options.signal });
      if (first) {
        const totals = summary.mappings
          .map(
            (m) =>
              `${m.mapping}: ${m.counts.created} created, ${m.counts.updated} updated, ${m.counts.failed} failed`,
          )
          .join('; ');
        options.out(
          `initial sync done: ${totals}\nwatching for edits every ${options.intervalMs / 1000} s…\n`,
        );
        first = false;
      }
      for (const m of summary.mappings)
        for (const e of m.errors) options.out(`  ! ${m.mapping}: ${e.message}\n`);
      await new Promise<void>((done) => {
        const finish = () => {
          clearTimeout(timer);
          options.signal.removeEventListener('abort', finish);
          done();
        };
        const timer = setTimeout(finish, options.intervalMs);
        options.signal.addEventListener('abort', finish, { once: true });
      });
    }
  } finally {
    await opened.close();
    await sandboxes.close();
  }
}
