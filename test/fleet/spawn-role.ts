/**
 * One process of a fleet: `mapsync serve --role <role>` as a real child process of
 * bin/mapsync.js (the build of this tree, see test/global-setup.ts), so a test can SIGKILL it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/mapsync.js', import.meta.url));

export interface RoleProcess {
  child: ChildProcess;
  /** The web role's address. */
  url?: string;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function spawnRole(
  role: 'web' | 'worker' | 'scheduler',
  options: { config: string; cwd: string; env: Record<string, string> },
): Promise<RoleProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--role', role, '--port', '0', '--log-level', 'warn', '-c', options.config],
    {
      cwd: options.cwd,
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!new RegExp(`role ${role} running`).test(text)) {
    if (child.exitCode !== null) throw new Error(`${role} exited before it ran:\n${text}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${role} did not start in time:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const url = / on (http:\/\/\S+)/.exec(text)?.[1];
  return {
    child,
    ...(url ? { url } : {}),
    output: () => text,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
