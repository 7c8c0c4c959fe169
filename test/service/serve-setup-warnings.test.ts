/**
 * `mapsync serve` checks each system's setup at start (`Connector.checkSetup`): a PowerOffice
 * Go payment account of `payment_accounts` that the client does not have is a warning naming
 * the method and the account (`PAYMENT_ACCOUNT_INVALID`); the service starts all the same.
 * Booted in-process as `serve` does (bootService) against both real sandboxes.
 */
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

it('warns about a payment account missing in PowerOffice Go, and starts', async () => {
  pair = await startPair({
    shop: { count: 0, seed: 2 },
    systemOptions: { poweroffice: ['payment_accounts: { vipps: 1903, kco: 1999 }'] },
  });
  const logs: string[] = [];
  const booted = await bootService({
    configPath: pair.configPath,
    cwd: pair.dir,
    env: pair.env,
    registry: connectors,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'info',
    logDestination: { write: (line: string) => void logs.push(line) },
    version: 'test',
    settings: { schedule: { defaults: { pollMs: 3_600_000, reconcileMs: 3_600_000 }, mappings: {} } },
  });
  if (!booted.ok) expect.fail(`service did not start: ${JSON.stringify(booted)}`);
  running = booted;
  const warnings = logs
    .map((line) => JSON.parse(line) as { level: number; msg: string; system?: string })
    .filter((l) => l.level === 40 && l.msg.startsWith('PAYMENT_ACCOUNT_INVALID'));
  expect(warnings.map((w) => [w.system, w.msg])).toEqual([
    [
      'poweroffice-go',
      'PAYMENT_ACCOUNT_INVALID: account 1999 of payment method "kco" does not exist in PowerOffice Go',
    ],
  ]);
}, 180_000);
