/**
 * Copies the SQLite store's write-ahead log into the database file from a worker thread.
 *
 * better-sqlite3 runs statements on the main thread, and so would SQLite's automatic
 * checkpoint: every 1,000 pages of WAL the statement that crossed the mark also copies them
 * into the database file and fsyncs both — 28–110 ms on this machine under load, a stall of
 * the event loop, and in the engine benchmark most of what the SQLite store cost above the
 * memory store (docs/store-layout.md). So the store's connection turns the automatic
 * checkpoint off and this worker, on its own connection to the same file, runs a PASSIVE
 * checkpoint whenever the WAL file has changed since its last one (checked every
 * `everyMs`). PASSIVE never waits for a reader or writer: writes go on meanwhile, and the
 * next write after a complete checkpoint starts the log from its beginning, so the WAL file
 * stays about as big as the writes of one interval. A checkpoint only copies committed pages:
 * what a crash can lose is unchanged.
 *
 * The worker's code is a few lines of plain JavaScript, run with `eval` so that it needs no
 * file of its own beside either engine/ (TypeScript, under tsx) or dist/.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
let seen = '';
const timer = setInterval(() => {
  let now;
  try {
    const stat = statSync(workerData.file + '-wal');
    now = stat.size + ':' + stat.mtimeMs;
  } catch {
    return;
  }
  if (now === seen) return;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // A checkpoint that could not copy every frame (a writer was busy) is tried next time.
    if (result && result.busy === 0 && result.checkpointed === result.log) seen = now;
  } catch (error) {
    // Busy: next time. Anything else ends the worker, and its owner checkpoints itself.
    if (!String(error && error.code).startsWith('SQLITE_BUSY')) throw error;
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointerOptions {
  /** How often the worker looks at the WAL file, ms (default 200). */
  everyMs?: number;
  /** Called when the worker failed: its owner turns SQLite's automatic checkpoint back on. */
  onFailure?: (error: Error) => void;
}

export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string, options: CheckpointerOptions = {}) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { file, driver, everyMs: options.everyMs ?? 200 },
    });
    // Never what keeps a process alive: a short `mapsync links` ends when its work does.
    this.worker.unref();
    this.worker.once('error', (error) => options.onFailure?.(error));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Ends the worker and its connection (the store's own close then checkpoints the rest). */
  async close(): Promise<void> {
    // Held until it has exited: awaiting an unref'd worker alone would let the process end.
    this.worker.ref();
    this.worker.postMessage('close');
    await this.exited;
  }
}
