/**
 * The `payment_accounts` table of a PowerOffice Go system in mapsync.yaml: the shipped file
 * uses the default table; `mapsync validate` reports a table that cannot work, offline, as
 * `CFG_PAYMENT_ACCOUNT` at the key (types through the schema); the connector refuses the same
 * at start; a table written in the file replaces the default as a whole.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config/load-config.ts';
import { connectors } from '../../engine/connectors/index.ts';
import { resolveConfig } from '../../engine/connectors/poweroffice-go/config.ts';
import { DEFAULT_PAYMENT_ACCOUNTS } from '../../engine/connectors/poweroffice-go/payment-table.ts';

const ROOT = new URL('../../', import.meta.url);
const shipped = readFileSync(new URL('mapsync.yaml', ROOT), 'utf8');

async function load(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-payacc-'));
  writeFileSync(join(dir, 'mapsync.yaml'), text);
  return loadConfig(join(dir, 'mapsync.yaml'), {
    env: {},
    requireEnv: false,
    registry: connectors,
    schemasDir: new URL('schemas/', ROOT).pathname,
    displayPath: 'mapsync.yaml',
  });
}

const withTable = (table: string) => shipped.replace('    rate_limit: 10\n', `    rate_limit: 10\n${table}`);
const where = (d: Array<{ code: string; line: number; col: number }>) =>
  d.map((x) => [x.code, x.line, x.col]);
const base = {
  url: 'https://goapi.poweroffice.net/v2',
  application_key: 'a',
  client_key: 'c',
  subscription_key: 's',
};

describe('payment_accounts (mapsync.yaml, PowerOffice Go)', () => {
  it('the shipped mapsync.yaml is clean, and without a table the default one applies', async () => {
    expect((await load(shipped)).diagnostics).toEqual([]);
    expect(resolveConfig(base).paymentAccounts).toEqual(DEFAULT_PAYMENT_ACCOUNTS);
    expect(DEFAULT_PAYMENT_ACCOUNTS).toMatchObject({ stripe: 1902, vipps: 1903, kco: 1904, bacs: 1920 });
  });

  it('a good table is clean and replaces the default as a whole', async () => {
    const text = withTable('    payment_accounts:\n      vipps: 1903\n      bacs: 1920\n');
    expect((await load(text)).diagnostics).toEqual([]);
    expect(resolveConfig({ ...base, payment_accounts: { vipps: 1903, bacs: 1920 } }).paymentAccounts).toEqual(
      {
        vipps: 1903,
        bacs: 1920,
      },
    );
  });

  it('validate reports each bad entry at its value: CFG_PAYMENT_ACCOUNT, and a non-number through the schema', async () => {
    const line = shipped.split('\n').findIndex((l) => l.includes('rate_limit: 10')) + 2;
    const text = withTable(
      '    payment_accounts:\n      Vipps Pay: 1903\n      stripe: 1500\n      kco: 3000\n      bacs: bank\n',
    );
    const { diagnostics } = await load(text);
    expect(where(diagnostics.filter((d) => d.code === 'CFG_PAYMENT_ACCOUNT'))).toEqual([
      ['CFG_PAYMENT_ACCOUNT', line + 1, 18],
      ['CFG_PAYMENT_ACCOUNT', line + 2, 15],
      ['CFG_PAYMENT_ACCOUNT', line + 3, 12],
    ]);
    expect(diagnostics.find((d) => d.code === 'CFG_PAYMENT_ACCOUNT' && d.line === line + 2)?.message).toMatch(
      /1500 is the customer control account/,
    );
    expect(diagnostics.filter((d) => d.code !== 'CFG_PAYMENT_ACCOUNT').map((d) => d.line)).toEqual([
      line + 4,
    ]);
  });

  it('the connector refuses the same table at start (no payment could be booked right)', () => {
    expect(() => resolveConfig({ ...base, payment_accounts: { vipps: 3000 } })).toThrow(
      /payment method "vipps": account 3000 is not an asset account/,
    );
    expect(() => resolveConfig({ ...base, payment_accounts: {} })).toThrow(/"payment_accounts" is empty/);
  });
});
