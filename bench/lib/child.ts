/**
 * Forking the engine into its own process: `runInChild` (one run, measured: see
 * child-run.ts) and `spawnSync` (a real `node bin/mapsync.js sync`, for kill-and-restart).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ChildReport, ChildRequest } from './child-run.ts';
import { REPO } from './env.ts';

export type { ChildReport, ChildRequest };

export function runInChild(
  env: Record<string, string>,
  cwd: string,
  request: ChildRequest = {},
  nodeOptions: string[] = [],
): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(join(REPO, 'bench/lib/child-run.ts'), [], {
      cwd,
      env: { ...process.env, ...env },
      // Resolved here: the child's working directory (a temp dir) has no node_modules.
      execArgv: ['--import', import.meta.resolve('tsx'), ...nodeOptions],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
    });
    let settled = false;
    child.on('message', (message: { report?: ChildReport; error?: string }) => {
      settled = true;
      if (message.report) resolve(message.report);
      else reject(new Error(`engine child failed: ${message.error}\n${stderr.slice(-2000)}`));
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`engine child exited ${code} without a report\n${stderr.slice(-2000)}`));
    });
    child.send(request);
  });
}

/** `node bin/mapsync.js sync` with this environment; `done` resolves when it exits. */
export function spawnSync(
  env: Record<string, string>,
  cwd: string,
  args: string[] = [],
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }>;
} {
  const child = spawn(process.execPath, [join(REPO, 'bin/mapsync.js'), 'sync', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  child.stdout?.on('data', (d: Buffer) => {
    stdout = (stdout + d.toString()).slice(-20_000);
  });
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }>(
    (resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout }));
    },
  );
  return { child, done };
}
