/**
 * `mapsync sandbox`: start the local WooCommerce and PowerOffice Go sandboxes and keep them
 * running until Ctrl-C (SIGINT) or SIGTERM, then close them and exit 0. With `--json`,
 * exactly one JSON line with both systems' URLs and keys goes to stdout once both listen.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { importSandbox } from '../../sandbox-import.ts';
import type { CliDeps } from '../deps.ts';

interface Options {
  seed?: string;
  rateLimit?: string;
  portWoo?: string;
  portPoweroffice?: string;
  json?: boolean;
}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError('CLI_USAGE', `--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Resolves on the first SIGINT/SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

export function register(program: Command, deps: CliDeps): void {
  program
    .command('sandbox')
    .summary('run local WooCommerce and PowerOffice Go sandboxes')
    .description(
      'Start a local WooCommerce (wc/v3) and a local PowerOffice Go (v2) on 127.0.0.1 and keep them\n' +
        'running until Ctrl-C. Prints their URLs and keys, as environment lines for mapsync.yaml.\n' +
        'Both are in memory: stopping them discards the data.',
    )
    .option(
      '--seed <n>',
      'generate a deterministic shop: n customers, n orders, n/4 products (default 20; 0 = empty)',
    )
    .option(
      '--rate-limit <rps>',
      "PowerOffice's request limit per subscription key per second (default 10; 0 = none)",
    )
    .option('--port-woo <port>', 'port of the WooCommerce sandbox (default: any free port)')
    .option('--port-poweroffice <port>', 'port of the PowerOffice Go sandbox (default: any free port)')
    .option('--json', 'print one JSON line with URLs and keys instead of the summary')
    .action(async (options: Options) => {
      const seed = integer('seed', options.seed, 0, 100_000) ?? 20;
      const rps = integer('rate-limit', options.rateLimit, 0, 10_000);
      const portWoo = integer('port-woo', options.portWoo, 0, 65_535);
      const portPowerOffice = integer('port-poweroffice', options.portPoweroffice, 0, 65_535);
      const { connectionInfo, envLines, startAllSandboxes } = await importSandbox(
        () => import('../../../sandbox/start-all.ts'),
      );
      const stopped = untilSignal();
      const all = await startAllSandboxes({
        seed,
        ...(rps !== undefined ? { rateLimit: rps === 0 ? false : rps } : {}),
        ...(portWoo !== undefined ? { portWoo } : {}),
        ...(portPowerOffice !== undefined ? { portPowerOffice } : {}),
      });
      if (options.json) {
        deps.out(`${JSON.stringify(connectionInfo(all))}\n`);
      } else {
        const info = connectionInfo(all);
        deps.out(
          [
            `WooCommerce sandbox    ${info.woocommerce.url}  (API ${all.woocommerce.apiUrl}, admin ${all.woocommerce.adminUrl})`,
            `PowerOffice Go sandbox ${info.poweroffice.url}  (token ${info.poweroffice.tokenUrl})`,
            `Shop data: ${seed > 0 ? `${seed} customers, ${seed} orders, ${Math.max(1, Math.floor(seed / 4))} products` : 'empty'}.`,
            '',
            'Environment for mapsync.yaml (paste into your shell or an .env file):',
            ...envLines(all),
            '',
            'Press Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
      }
      await stopped;
      await all.close();
      if (!options.json) deps.err('mapsync sandbox: stopped\n');
      deps.setExitCode(0);
    });
}
