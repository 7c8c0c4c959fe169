/**
 * The SQLite store's file on disk: where it may be created, who may read it, and whether it
 * is still the file mapsync opened.
 *
 * - **Folder.** A missing folder is created (mode 0700) only when the caller allows it, and
 *   it is said in the log: a typo in `MAPSYNC_STORE` must not silently start an empty store
 *   somewhere else. Existing folders are left as they are (it may be the working directory).
 * - **Modes.** The store holds personal data (names, e-mail addresses in merge bases and
 *   failed records): the file is created 0600 before SQLite opens it (SQLite gives its `-wal`
 *   and `-shm` files the database file's mode), and an existing file, WAL or SHM that others
 *   may read is narrowed to 0600, with a log line.
 * - **Identity.** The file's device and inode are noted when it is opened. Should the file be
 *   deleted or replaced under a running process (a cleanup job, a restore over it), SQLite
 *   would go on writing into the unlinked inode and everything written afterwards would be
 *   lost at the next start. `check()` — before every store call, one `stat` — turns that into
 *   a `StoreError`, for good: the run stops at its first write, `/readyz` turns not ready, and
 *   the log says what happened once.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, type Stats, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, StoreError } from '../errors.ts';

export interface StoreFileOptions {
  /** Create the folder when it is missing (default true); it is logged either way. */
  createFolder?: boolean;
  logger?: Logger;
}

export class StoreFile {
  private readonly identity: { dev: number; ino: number };
  private broken: StoreError | undefined;

  constructor(
    readonly path: string,
    private readonly options: StoreFileOptions = {},
  ) {
    ensureFolder(path, options);
    const fd = openSync(path, 'a', 0o600);
    closeSync(fd);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) narrow(file, options.logger);
    const stats = statSync(path);
    this.identity = { dev: stats.dev, ino: stats.ino };
  }

  /** Throws (and keeps throwing) once the file is gone or is another file. */
  check(): void {
    if (this.broken) throw this.broken;
    let now: Stats | undefined;
    try {
      now = statSync(this.path, { throwIfNoEntry: false });
    } catch {
      now = undefined;
    }
    if (now && now.dev === this.identity.dev && now.ino === this.identity.ino) return;
    this.broken = new StoreError(
      `the store file ${this.path} was ${now ? 'replaced by another file' : 'deleted'} while mapsync had it open: nothing more is written to it. Restore the file (or remove it on purpose) and restart mapsync.`,
    );
    this.options.logger?.error({ store: this.path }, this.broken.message);
    throw this.broken;
  }
}

function ensureFolder(path: string, options: StoreFileOptions): void {
  const folder = dirname(path);
  if (existsSync(folder)) return;
  if (options.createFolder === false) {
    throw new ConfigError(
      'CFG_STORE_FOLDER_MISSING',
      `the store folder ${folder} does not exist (store file ${path}); create it, or check the store setting`,
    );
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  options.logger?.warn(
    { folder, store: path },
    'the store folder did not exist: created it (mode 0700); check the store setting if this is unexpected',
  );
}

/** A file others may read is narrowed to 0600 (ours to decide: it holds personal data). */
function narrow(file: string, logger: Logger | undefined): void {
  const stats = statSync(file, { throwIfNoEntry: false });
  if (!stats || (stats.mode & 0o077) === 0) return;
  chmodSync(file, 0o600);
  logger?.warn(
    { file, was: (stats.mode & 0o777).toString(8) },
    'store file was readable by other users: narrowed to mode 0600',
  );
}
