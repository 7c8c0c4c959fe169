/**
 * What every `mapsync serve` process shares, the single process (boot.ts) and the fleet's
 * roles (engine/fleet/roles/boot-fleet.ts) alike: the options it is booted with, the shape
 * of a refusal to start, and its logger.
 */
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { ConfigError } from '../errors.ts';
import { createLogger, type LoggerSettings } from '../observability/logger.ts';

export interface ProcessBootOptions {
  configPath: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  registry: ConnectorRegistry;
  host: string;
  port: number;
  logLevel: NonNullable<LoggerSettings['level']>;
  /** Where log lines go (default: stderr, pretty on a terminal). */
  logDestination?: LoggerSettings['destination'];
}

/** Not started: the project's diagnostics (errors among them), or a configuration error. */
export interface BootFailure {
  ok: false;
  diagnostics?: Diagnostic[];
  error?: ConfigError;
}

/** The process's logger: its level and destination, with every secret value scrubbed. */
export function processLogger(options: ProcessBootOptions, secrets: readonly string[]): Logger {
  return createLogger({
    level: options.logLevel,
    secrets,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
}
