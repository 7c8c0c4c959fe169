/**
 * A PowerOffice sandbox running in a child process (poweroffice-child.ts), for benches that
 * count what the sandbox received per second: in the bench's own busy process its event loop
 * delayed the stamping of requests (bench 8 saw 11 in one second with an event-loop delay of
 * about 87 ms). The request log is read over IPC.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { LoggedRequest } from '../../sandbox/common/request-log.ts';
import { type PoAddress, REPO } from './env.ts';

export interface RemotePowerOffice extends PoAddress {
  log: {
    /** The newest entry's sequence number (a mark before an action). */
    mark(): Promise<number>;
    /** Entries after `since`, without bodies. */
    list(since?: number): Promise<Array<Omit<LoggedRequest, 'body'>>>;
  };
  close(): Promise<void>;
}

export async function startRemotePowerOffice(
  options: { rateLimit?: number | false; subscriptionKey?: string } = {},
): Promise<RemotePowerOffice> {
  const child = fork(join(REPO, 'bench/lib/poweroffice-child.ts'), [JSON.stringify(options)], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (result: unknown) => void>();
  let next = 0;
  const address = await new Promise<PoAddress>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`PowerOffice sandbox child exited ${code} before it ran`)));
    child.on('message', (message: { ready?: PoAddress; id?: number; result?: unknown }) => {
      if (message.ready) resolve(message.ready);
      else if (message.id !== undefined) {
        waiting.get(message.id)?.(message.result);
        waiting.delete(message.id);
      }
    });
  });
  const ask = <T>(op: 'mark' | 'list' | 'close', since?: number) =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) return reject(new Error('the PowerOffice sandbox child is gone'));
      const id = ++next;
      waiting.set(id, resolve as (result: unknown) => void);
      child.send({ id, op, ...(since !== undefined ? { since } : {}) });
    });
  return {
    ...address,
    log: {
      mark: () => ask<number>('mark'),
      list: (since?: number) => ask<Array<Omit<LoggedRequest, 'body'>>>('list', since),
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await ask('close').catch(() => {});
      // Stopped by force when it does not leave on its own.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
