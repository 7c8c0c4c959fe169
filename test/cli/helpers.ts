/**
 * Test helpers for the CLI: a mapsync.yaml for the shipped connectors whose secrets are
 * `${VARIABLE}` references (as the config schema requires), and a way to run a command
 * in-process and capture what it prints and its exit code.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../engine/cli/program.ts';
import { connectors } from '../../engine/connectors/index.ts';
import type { ConnectorRegistry } from '../../engine/connectors/registry.ts';

/** A `${VAR}` reference for mapsync.yaml (interpolated by the config loader, not here). */
export const ref = (name: string) => ['$', '{', name, '}'].join('');

/** Writes `<dir>/mapsync.yaml` for WooCommerce ↔ PowerOffice Go; returns its path. */
export function writeTestConfig(
  dir: string,
  options: { store: string; mappings: string; woocommerce?: string[]; poweroffice?: string[] },
): string {
  const path = join(dir, 'mapsync.yaml');
  writeFileSync(
    path,
    [
      'version: 1',
      'systems:',
      '  woocommerce:',
      '    connector: woocommerce',
      `    url: ${ref('WOOCOMMERCE_URL')}`,
      `    consumer_key: ${ref('WOOCOMMERCE_CONSUMER_KEY')}`,
      `    consumer_secret: ${ref('WOOCOMMERCE_CONSUMER_SECRET')}`,
      ...(options.woocommerce ?? []).map((line) => `    ${line}`),
      '  poweroffice-go:',
      '    connector: poweroffice-go',
      `    url: ${ref('POWEROFFICE_BASE_URL')}`,
      `    application_key: ${ref('POWEROFFICE_APPLICATION_KEY')}`,
      `    client_key: ${ref('POWEROFFICE_CLIENT_KEY')}`,
      `    subscription_key: ${ref('POWEROFFICE_SUBSCRIPTION_KEY')}`,
      ...(options.poweroffice ?? []).map((line) => `    ${line}`),
      `store: ${options.store}`,
      `mappings: ${options.mappings}`,
      '',
    ].join('\n'),
  );
  return path;
}

/** Run `mapsync <args>` in-process; what it printed and its exit code. */
export async function runInProcess(
  args: string[],
  options: { env: Record<string, string | undefined>; cwd: string; registry?: ConnectorRegistry },
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let code = 0;
  await runCli(args, {
    registry: options.registry ?? connectors,
    env: options.env,
    cwd: options.cwd,
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    now: () => new Date(),
    setExitCode: (c) => {
      code = c;
    },
  });
  return { code, out, err };
}
