/**
 * `mapsync serve --role …`: the fleet roles refuse to start without the shared store on
 * PostgreSQL and the fleet's Redis, with a clear message and exit 2; `--sandbox` is the
 * single process only. (The roles at work: fleet-e2e.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fleetSettings } from '../../engine/fleet/roles/boot-fleet.ts';
import { runInProcess, writeTestConfig } from '../cli/helpers.ts';
import { REPO } from '../e2e/helpers/pair.ts';

const dir = mkdtempSync(join(tmpdir(), 'mapsync-roles-'));
const config = writeTestConfig(dir, { store: 'sqlite://state.sqlite', mappings: join(REPO, 'mappings') });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const serve = (args: string[], env: Record<string, string> = {}) =>
  runInProcess(['serve', '-c', config, ...args], { env, cwd: dir });

describe('serve --role', () => {
  it('needs MAPSYNC_STORE on PostgreSQL, then MAPSYNC_REDIS', async () => {
    const noStore = await serve(['--role', 'worker']);
    expect(noStore.code).toBe(2);
    expect(noStore.err).toMatch(/FLEET_STORE_REQUIRED: --role worker needs the shared store on PostgreSQL/);
    const sqlite = await serve(['--role', 'web'], { MAPSYNC_STORE: 'sqlite://x.sqlite' });
    expect(sqlite.err).toMatch(/FLEET_STORE_REQUIRED/);
    const noRedis = await serve(['--role', 'scheduler'], { MAPSYNC_STORE: 'postgresql://u@127.0.0.1:1/db' });
    expect(noRedis.code).toBe(2);
    expect(noRedis.err).toMatch(
      /FLEET_REDIS_REQUIRED: --role scheduler needs the fleet's Redis: set MAPSYNC_REDIS/,
    );
  });

  it('keeps --sandbox for the single process, and refuses an unknown role', async () => {
    const sandbox = await serve(['--role', 'worker', '--sandbox']);
    expect(sandbox.code).toBe(2);
    expect(sandbox.err).toMatch(/--sandbox runs one process/);
    const unknown = await serve(['--role', 'boss']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/Allowed choices are all, web, worker, scheduler/);
  });

  it('reads the fleet settings from the environment, checked', () => {
    const env = { MAPSYNC_STORE: 'postgresql://u@h/db', MAPSYNC_REDIS: 'redis://h:6379' };
    expect(fleetSettings('worker', env)).toEqual({
      store: env.MAPSYNC_STORE,
      queue: { redis: env.MAPSYNC_REDIS, prefix: 'mapsync' },
      concurrency: 4,
      lockTtlMs: 30_000,
      stallMs: 30_000,
      budgetMarginMs: 0,
      maxEngines: 20,
      heapGrowthPercent: 50,
    });
    expect(() => fleetSettings('worker', { ...env, MAPSYNC_WORKER_CONCURRENCY: '0' })).toThrow(
      /MAPSYNC_WORKER_CONCURRENCY must be an integer ≥ 1/,
    );
    // 0: V8's own heap growth (no flag set).
    expect(
      fleetSettings('worker', { ...env, MAPSYNC_WORKER_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent,
    ).toBe(0);
    expect(() => fleetSettings('worker', { ...env, MAPSYNC_WORKER_HEAP_GROWTH_PERCENT: '-1' })).toThrow(
      /MAPSYNC_WORKER_HEAP_GROWTH_PERCENT must be an integer ≥ 0/,
    );
  });
});
