/**
 * The processes a fuzz run drives, each a real `node bin/mapsync.js` child so that what is
 * measured from here (health latency) is what an operator's probe would see:
 *
 * - `mapsync sandbox --seed 0 --json`: an empty shop and a PowerOffice Go (its service
 *   products only), in a process of their own, so the sandboxes' work on huge records never
 *   counts against the service;
 * - `mapsync serve` on a temp mapsync.yaml pointing at them (the shipped mappings), with the
 *   shop's webhooks registered through its REST API (as `serve --sandbox` does).
 *
 * All output of the service (stdout and stderr: its logs) is kept whole, for the "no
 * personal data in logs" invariant.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, systemsEnv, writeConfig } from '../lib/env.ts';

const BIN = join(REPO, 'bin/mapsync.js');

export interface Sandboxes {
  woo: { url: string; consumerKey: string; consumerSecret: string; webhookSecret: string };
  po: {
    url: string;
    tokenUrl: string;
    applicationKey: string;
    clientKey: string;
    subscriptionKey: string;
  };
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface Service {
  url: string;
  dir: string;
  env: Record<string, string>;
  child: ChildProcess;
  /** Everything the service wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<number | null>;
}

function collect(child: ChildProcess): () => string {
  const chunks: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  return () => chunks.join('');
}

async function waitFor(
  child: ChildProcess,
  output: () => string,
  ready: RegExp,
  what: string,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const m = ready.exec(output());
    if (m) return m;
    if (child.exitCode !== null)
      throw new Error(`${what} exited ${child.exitCode}:\n${output().slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not start in 90 s:\n${output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopper(child: ChildProcess): () => Promise<number | null> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
}

export async function startSandboxes(): Promise<Sandboxes> {
  // No rate limit: the fuzz is about data, not about PowerOffice's 10 requests per second.
  const child = spawn(process.execPath, [BIN, 'sandbox', '--seed', '0', '--rate-limit', '0', '--json'], {
    cwd: REPO,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const m = await waitFor(child, output, /^(\{.*\})$/m, 'mapsync sandbox');
  const all = JSON.parse(m[1]!) as Record<string, unknown>;
  const stop = stopper(child);
  return {
    woo: all.woocommerce as Sandboxes['woo'],
    po: all['poweroffice-go'] as Sandboxes['po'],
    child,
    stop: async () => {
      await stop();
    },
  };
}

export async function startService(sandboxes: Sandboxes, options: { pollSeconds: number }): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-fuzz-'));
  // The sandbox process enforces no rate limit (startSandboxes), and names its token URL.
  const configPath = writeConfig(dir, {
    connectorRateLimit: 200,
    tokenUrl: true,
    tail: [
      'service:',
      '  schedule:',
      `    poll: ${options.pollSeconds}s`,
      `    reconcile: ${options.pollSeconds * 6}s`,
    ],
  });
  const env: Record<string, string> = {
    ...systemsEnv(sandboxes.woo, sandboxes.po),
    MAPSYNC_STORE: `sqlite://${join(dir, 'state.sqlite')}`,
    MAPSYNC_CONFIG: configPath,
    // Info: the logs of a normal day, so the personal-data check sees what an operator keeps.
    MAPSYNC_LOG_LEVEL: 'info',
  };
  // FUZZ_CPU_PROFILE=dir: a V8 CPU profile of the service, to find what blocks its loop
  // (bench/fuzz/blocking.ts reads it).
  const profile = process.env.FUZZ_CPU_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FUZZ_CPU_PROFILE}`]
    : [];
  const child = spawn(process.execPath, [...profile, BIN, 'serve', '--config', configPath, '--port', '0'], {
    cwd: dir,
    env: { ...process.env, FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const m = await waitFor(child, output, /listening on (http:\/\/\S+)/, 'mapsync serve');
  const url = m[1]!;
  await registerWebhooks(sandboxes, `${url}/webhooks/woocommerce`);
  return { url, dir, env, child, output, stop: stopper(child) };
}

/** The shop's webhooks to the service, created through its REST API like a shop admin would. */
async function registerWebhooks(sandboxes: Sandboxes, target: string): Promise<void> {
  for (const resource of ['customer', 'order', 'product']) {
    for (const event of ['created', 'updated', 'deleted']) {
      const res = await wooFetch(sandboxes, 'POST', '/webhooks', {
        name: `fuzz ${resource}.${event}`,
        topic: `${resource}.${event}`,
        delivery_url: target,
        secret: sandboxes.woo.webhookSecret,
        status: 'active',
      });
      if (res.status !== 201)
        throw new Error(`creating a webhook answered ${res.status}: ${await res.text()}`);
    }
  }
}

/** One call to the shop's REST API (Basic auth, as over HTTPS; the sandbox accepts it on loopback). */
export function wooFetch(
  sandboxes: Sandboxes,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  const basic = Buffer.from(`${sandboxes.woo.consumerKey}:${sandboxes.woo.consumerSecret}`).toString(
    'base64',
  );
  return fetch(`${sandboxes.woo.url}/wp-json/wc/v3${path}`, {
    method,
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
}
