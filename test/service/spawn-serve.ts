/**
 * Runs `mapsync serve` as a real child process (bin/mapsync.js), the way an operator or
 * `npm start` does, and gives tests its address, its output and a way to signal it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/mapsync.js', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with exit code and how long after `kill` it came. */
  terminate(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Line on stdout that means "started" (default: the sandbox banner's last line, else listening). */
  readyLine?: RegExp;
  timeoutMs?: number;
}

export async function spawnServe(options: SpawnOptions): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...options.args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready =
    options.readyLine ?? (options.args.includes('--sandbox') ? /^mapsync serve: ready$/m : /listening on/);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let running = true;
  void exited.then(() => {
    running = false;
  });
  while (!ready.test(out)) {
    if (!running) throw new Error(`serve exited before it was ready:\n${out}\n${err}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve not ready in time:\n${out}\n${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    exited,
    async terminate(signal = 'SIGTERM') {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}

/** Values the `--sandbox` banner printed (addresses and keys). */
export function parseBanner(stdout: string) {
  const pick = (re: RegExp) => re.exec(stdout)?.[1];
  return {
    wooUrl: pick(/^ {2}WooCommerce\s+(http\S+)$/m)!,
    consumerKey: pick(/^ {4}consumer key (\S+)$/m)!,
    consumerSecret: pick(/^ {4}consumer secret (\S+)$/m)!,
    webhookSecret: pick(/^ {4}webhook secret (\S+)/m)!,
    poUrl: pick(/^ {2}PowerOffice Go\s+(http\S+)$/m)!,
    applicationKey: pick(/^ {4}application key (\S+)$/m)!,
    clientKey: pick(/^ {4}client key (\S+)$/m)!,
    subscriptionKey: pick(/^ {4}subscription key (\S+)$/m)!,
    adminToken: pick(/^admin token\s+(\S+)$/m),
  };
}

export async function json<T = unknown>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface StatusJson {
  service: { info?: Record<string, string>; adminEnabled: boolean };
  mappings: Array<{
    name: string;
    activity: string;
    current?: unknown;
    lastRun?: { status: string; mode: string; counts: Record<string, number>; error?: string };
    linked: number | null;
    pending: number;
    failed: { count: number; items: Array<{ mapping: string; id: string; side: string; reason: string }> };
  }>;
  feed: Array<{ mapping: string; id: string; outcome: string; properties?: string[]; direction?: string }>;
}

/** Wait until every mapping has finished a run and nothing is running or queued. */
export async function waitIdle(url: string, timeoutMs = 60_000): Promise<StatusJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await json<StatusJson>(`${url}/api/status`);
    if (status.mappings.every((m) => m.lastRun && !m.current && m.pending === 0)) return status;
    if (Date.now() > deadline)
      throw new Error(`service not idle in time: ${JSON.stringify(status.mappings)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
