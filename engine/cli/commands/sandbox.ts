/**
 * `mapsync sandbox`: start the local sandbox of every registered connector kind that has
 * one (or of the kinds named) and keep them running until Ctrl-C (SIGINT) or SIGTERM, then
 * close them and exit 0. With `--json`, exactly one JSON line with each kind's URLs and
 * keys goes to stdout once all listen. The sandboxes are loaded only when this runs.
 */
import { type Command, Option } from 'commander';
import { ConfigError } from '../../errors.ts';
import { importSandbox } from '../../sandbox-import.ts';
import { type CliDeps, registryOf } from '../deps.ts';

interface Options {
  seed?: string;
  rateLimit?: string;
  port: string[];
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

/** `--port woocommerce=8081 --port poweroffice-go=8082` → ports by kind. */
function ports(values: readonly string[], kinds: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) {
    const [kind, port] = value.split('=', 2);
    if (!kind || !kinds.includes(kind) || port === undefined) {
      throw new ConfigError(
        'CLI_USAGE',
        `--port ${value}: expected <kind>=<port> with a kind of ${kinds.join(', ')}`,
      );
    }
    out[kind] = integer('port', port, 0, 65_535)!;
  }
  return out;
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
  // The kinds are not listed in the help: that would load every connector for `--help`.
  program
    .command('sandbox')
    .summary('run local sandboxes of the connector kinds that have one')
    .description(
      'Start a local sandbox of each connector kind that has one (woocommerce and poweroffice-go ' +
        'in a standard install), or of the kinds named, on 127.0.0.1, and keep them running until ' +
        'Ctrl-C. Prints their URLs and keys, as environment lines for mapsync.yaml. They are in ' +
        'memory: stopping them discards the data.',
    )
    .argument('[kinds...]', 'kinds to start (default: every kind with a sandbox)')
    .option(
      '--seed <n>',
      'size of the generated data, e.g. a shop of n customers and orders (0–100000; default 20; 0 = empty)',
    )
    .option(
      '--rate-limit <rps>',
      'server-side request limit per second (0–10000), for kinds whose real system has one (default: theirs; 0 = none)',
    )
    .addOption(
      new Option('--port <kind=port>', "port of one kind's sandbox, repeatable")
        .argParser((value: string, all: string[]) => [...all, value])
        .default([], 'any free port'),
    )
    .option('--json', 'print one JSON line with URLs and keys by kind instead of the summary')
    .action(async (kinds: string[], options: Options) => {
      const registry = await registryOf(deps);
      const available = registry
        .all()
        .filter((k) => k.spec.devSandbox)
        .map((k) => k.kind);
      for (const kind of kinds) {
        if (!available.includes(kind)) {
          throw new ConfigError(
            'CLI_USAGE',
            `no sandbox for "${kind}": kinds with one are ${available.join(', ')}`,
          );
        }
      }
      const seed = integer('seed', options.seed, 0, 100_000) ?? 20;
      const rps = integer('rate-limit', options.rateLimit, 0, 10_000);
      const byKind = ports(options.port, available);
      const stopped = untilSignal();
      const { startAllSandboxes } = await importSandbox(() => import('../../../sandbox/start-all.ts'));
      const all = await startAllSandboxes(registry, {
        seed,
        ...(kinds.length > 0 ? { kinds } : {}),
        ...(rps !== undefined ? { rateLimit: rps === 0 ? false : rps } : {}),
        ports: byKind,
      });
      if (options.json) {
        deps.out(`${JSON.stringify(all.connection())}\n`);
      } else {
        deps.out(
          [
            'sandboxes (until Ctrl-C; in memory, so stopping them discards the data):',
            ...[...all.byKind.values()].flatMap((s) => s.describe()),
            '',
            'Environment for mapsync.yaml (paste into your shell or an .env file):',
            ...all.env(),
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
