/**
 * `mapsync demo`: the four WooCommerce ↔ PowerOffice Go dataflows on an embedded default:
 * both sandboxes seeded in this process, a fresh SQLite store at data/demo.sqlite, a sync
 * every few seconds and a line per change that travelled, until Ctrl-C.
 * (`npm start` runs the full service in sandbox mode: `mapsync serve --sandbox`.)
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import type { CliDeps } from '../deps.ts';

export function register(program: Command, deps: CliDeps): void {
  program
    .command('demo')
    .summary('run the sync against local sandboxes and watch edits travel')
    .description(
      'Start a seeded local WooCommerce and PowerOffice Go, sync them (store: data/demo.sqlite,\n' +
        'fresh each start), then keep syncing every few seconds and print every change that\n' +
        'travelled. Ctrl-C stops.',
    )
    .option('--seed <n>', 'shop size: n customers, n orders, n/4 products', '40')
    .option('--interval <seconds>', 'seconds between sync runs', '3')
    .action(async (options: { seed: string; interval: string }) => {
      const seed = Number(options.seed);
      const interval = Number(options.interval);
      if (!Number.isInteger(seed) || seed < 1 || seed > 5000)
        throw new ConfigError('CLI_USAGE', '--seed must be 1–5000');
      if (!(interval >= 0.5 && interval <= 3600))
        throw new ConfigError('CLI_USAGE', '--interval must be 0.5–3600');
      const { runDemo } = await import('../../sync/demo.ts');
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await runDemo({
          seed,
          intervalMs: interval * 1000,
          dataDir: resolve(deps.cwd, 'data'),
          registry: deps.registry,
          baseEnv: deps.env,
          out: deps.out,
          signal: controller.signal,
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
