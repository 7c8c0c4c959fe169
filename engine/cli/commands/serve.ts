/**
 * `mapsync serve`: run every mapping as a long-lived service (schedules, WooCommerce
 * webhooks, /healthz, /readyz, /metrics, a status page) until SIGTERM or SIGINT. The
 * service itself is assembled in engine/service/boot.ts; this file parses options, prints
 * what a person needs, and turns signals into the bounded graceful shutdown.
 *
 * Unlike other commands, serve owns the process while it runs: it installs the signal
 * handlers and, after shutdown, makes sure the process really ends within the bound.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { BootFailure, ProcessBootOptions } from '../../service/process-boot.ts';
import { VERSION } from '../../version.ts';
import { type CliDeps, registryOf } from '../deps.ts';
import { EXIT_CONFIG } from '../exit-codes.ts';

interface ServeOptions {
  config?: string;
  host: string;
  port: number;
  sandbox?: boolean;
  seed: number;
  keepData?: boolean;
  dataDir: string;
  logLevel: string;
  role: 'all' | 'web' | 'worker' | 'scheduler';
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer ${min}–${max}`);
    return n;
  };
}

export function register(program: Command, deps: CliDeps): void {
  program
    .command('serve')
    .summary('run the mappings as a service: schedules, webhooks, metrics, status page')
    .description(
      'Run every mapping as a long-lived service: polls and reconciles each mapping on its schedule ' +
        '(service.schedule in mapsync.yaml), takes WooCommerce webhooks on POST /webhooks/<system>, ' +
        'serves GET /healthz, /readyz, /metrics (Prometheus), a status page on GET / and the ' +
        'mapping playground on GET /playground (docs/playground.md). ' +
        'Refuses to start on any validation error or missing environment variable. ' +
        'Stops gracefully on SIGTERM/SIGINT. See docs/operations.md.',
    )
    .option('-c, --config <file>', 'mapsync.yaml to run (default: $MAPSYNC_CONFIG or ./mapsync.yaml)')
    .option('--host <address>', 'address to listen on (loopback by default)', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on (0 = any free port)', integer(0, 65535), 8080)
    .option('--sandbox', 'run against local WooCommerce and PowerOffice Go sandboxes started in-process')
    .option('--seed <count>', 'with --sandbox: size of the demo shop (1–5000)', integer(1, 5000), 20)
    .option('--keep-data', 'with --sandbox: keep the sandboxes and the store of the previous start')
    .option('--data-dir <dir>', 'with --sandbox: folder of its store and kept sandbox data', 'data')
    .addOption(new Option('--log-level <level>', 'log level').choices(LEVELS).default('info'))
    .addOption(
      new Option(
        '--role <role>',
        'fleet role (docs/operations.md): web (webhooks into Redis), worker (runs jobs), scheduler (keeps schedules); all = one process',
      )
        .choices(['all', 'web', 'worker', 'scheduler'])
        .default('all'),
    )
    .addHelpText(
      'after',
      '\nEnvironment: the variables mapsync.yaml names; MAPSYNC_ADMIN_TOKEN enables retry/pause/resume/run\n' +
        "and the playground's API. Roles other than all need MAPSYNC_STORE=postgresql://… and\n" +
        "MAPSYNC_REDIS=redis://…; web and worker also MAPSYNC_MASTER_KEY (the tenants' sealed secrets).\n" +
        'Exit status: 0 after a clean shutdown, 1 when the shutdown did not finish in time or a step of it\n' +
        'failed, 2 for configuration problems.',
    )
    .action(async (options: ServeOptions) => {
      await serve(deps, options);
    });
}

async function serve(deps: CliDeps, options: ServeOptions): Promise<void> {
  // Signals are taken from the start: one that arrives while booting stops the service as
  // soon as it is up (nothing half-started is left behind); a second one exits at once.
  let signalled: NodeJS.Signals | undefined;
  let onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = signal;
  };
  const handler = (signal: NodeJS.Signals) => onSignal(signal);
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  try {
    await run(
      deps,
      options,
      () => signalled,
      (next) => {
        onSignal = next;
      },
    );
  } finally {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  }
}

async function run(
  deps: CliDeps,
  options: ServeOptions,
  pending: () => NodeJS.Signals | undefined,
  setHandler: (handler: (signal: NodeJS.Signals) => void) => void,
): Promise<void> {
  if (options.role !== 'all') return runRole(deps, { ...options, role: options.role }, pending, setHandler);
  // Loaded on use: the other commands need none of the service (or the engine) to start.
  const { bootService } = await import('../../service/boot.ts');
  const booted = await bootService({
    ...(await processOptions(deps, options)),
    version: VERSION,
    ...(options.sandbox
      ? {
          sandbox: {
            seed: options.seed,
            keepData: options.keepData === true,
            dataDir: resolve(deps.cwd, options.dataDir),
          },
        }
      : {}),
  });
  if (!booted.ok) return notStarting(deps, booted);

  deps.out(`mapsync serve: listening on ${booted.url}\n`);
  if (booted.sandboxes) {
    const { sandboxBanner } = await import('../../service/sandbox-mode.ts');
    deps.out(`${sandboxBanner(booted.sandboxes, booted.url, booted.adminToken)}\n`);
    deps.out('mapsync serve: ready\n');
  }

  await new Promise<void>((resolveDone) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        booted.logger.error({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      void booted.stop(signal).then((outcome) => {
        deps.setExitCode(outcome.ok ? 0 : 1);
        // Everything is closed; should a stray handle keep the loop alive, end anyway.
        setTimeout(() => process.exit(outcome.ok ? 0 : 1), 2000).unref();
        resolveDone();
      });
    };
    setHandler(stop);
    const early = pending();
    if (early) stop(early);
  });
}

/** What the single process and every role are booted with, from the command line. */
async function processOptions(deps: CliDeps, options: ServeOptions): Promise<ProcessBootOptions> {
  return {
    configPath: options.config ?? deps.env.MAPSYNC_CONFIG ?? 'mapsync.yaml',
    cwd: deps.cwd,
    env: deps.env,
    registry: await registryOf(deps),
    host: options.host,
    port: options.port,
    logLevel: options.logLevel as 'info',
  };
}

/**
 * A refusal to start, the same for the single process and every role: the project's
 * diagnostics as `mapsync validate` prints them, or the configuration error with its code.
 */
async function notStarting(deps: CliDeps, failure: BootFailure): Promise<void> {
  if (failure.diagnostics) {
    const { sortDiagnostics } = await import('../../diagnostics/diagnostic.ts');
    const { printDiagnostics, summary } = await import('../print.ts');
    const diagnostics = sortDiagnostics(failure.diagnostics);
    printDiagnostics(deps, diagnostics, false);
    deps.err(`mapsync serve: not starting: ${summary(diagnostics)}\n`);
  } else if (failure.error) {
    deps.err(`mapsync serve: not starting: ${failure.error.code}: ${failure.error.message}\n`);
  }
  deps.setExitCode(EXIT_CONFIG);
}

/** `--role web|worker|scheduler`: one process of a fleet (engine/fleet/roles/boot-fleet.ts). */
async function runRole(
  deps: CliDeps,
  options: ServeOptions & { role: 'web' | 'worker' | 'scheduler' },
  pending: () => NodeJS.Signals | undefined,
  setHandler: (handler: (signal: NodeJS.Signals) => void) => void,
): Promise<void> {
  if (options.sandbox) {
    deps.err('mapsync serve: --sandbox runs one process: use it without --role (or with --role all)\n');
    deps.setExitCode(EXIT_CONFIG);
    return;
  }
  const { bootFleetRole } = await import('../../fleet/roles/boot-fleet.ts');
  const booted = await bootFleetRole({ ...(await processOptions(deps, options)), role: options.role });
  if (!booted.ok) return notStarting(deps, booted);
  deps.out(`mapsync serve: role ${booted.role} running${booted.url ? ` on ${booted.url}` : ''}\n`);
  await new Promise<void>((resolveDone) => {
    const stop = (signal: NodeJS.Signals) => {
      booted.logger.info({ signal }, 'stopping');
      void booted.stop().then(() => {
        setTimeout(() => process.exit(0), 2000).unref();
        resolveDone();
      });
    };
    setHandler(stop);
    const early = pending();
    if (early) stop(early);
  });
}
