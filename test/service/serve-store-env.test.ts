/**
 * `MAPSYNC_STORE` names the store for `serve` as it does for `sync`, `failed`, `links` and
 * the fleet roles (compose.ts), also when mapsync.yaml writes `store:` literally: otherwise
 * `mapsync failed` would read one store while the service writes another.
 * Booted in-process as `serve` does (bootService) against both real sandboxes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { bootService, type RunningService } from '../../engine/service/boot.ts';
import { type Pair, startPair } from '../e2e/helpers/pair.ts';

let pair: Pair | undefined;
let running: RunningService | undefined;
afterAll(async () => {
  await running?.stop('test done');
  await pair?.close();
});

it('serve opens the store MAPSYNC_STORE names, not the literal store: of mapsync.yaml', async () => {
  pair = await startPair({ shop: { count: 0, seed: 3 } });
  const literal = join(pair.dir, 'literal.sqlite');
  const text = readFileSync(pair.configPath, 'utf8');
  const replaced = text.replace(/^store: .*$/m, `store: sqlite://${literal}`);
  expect(replaced).not.toBe(text);
  writeFileSync(pair.configPath, replaced);
  const fromEnv = join(pair.dir, 'from-env.sqlite');
  const booted = await bootService({
    configPath: pair.configPath,
    cwd: pair.dir,
    env: { ...pair.env, MAPSYNC_STORE: `sqlite://${fromEnv}` },
    registry: connectors,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    version: 'test',
    settings: { schedule: { defaults: { pollMs: 3_600_000, reconcileMs: 3_600_000 }, mappings: {} } },
  });
  if (!booted.ok) expect.fail(`service did not start: ${JSON.stringify(booted)}`);
  running = booted;
  expect(existsSync(fromEnv)).toBe(true);
  expect(existsSync(literal)).toBe(false);
}, 180_000);
