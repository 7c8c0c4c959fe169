/**
 * Tenants: sealing with the master key ring, and `mapsync tenant add|list|show|remove|
 * rotate-key` end to end on SQLite and PostgreSQL — located errors on a bad tenant file,
 * secrets never printed nor stored in clear, key rotation, a tenant's state purged alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../engine/cli/program.ts';
import { connectors } from '../../engine/connectors/index.ts';
import { openStore } from '../../engine/store/open-store.ts';
import { tenantStore } from '../../engine/store/tenant-scope.ts';
import { KeyRing, newMasterKey } from '../../engine/tenants/sealing.ts';
import { TENANTS_NAMESPACE, TenantRegistry } from '../../engine/tenants/tenant-registry.ts';
import { postgresMissing, postgresStoreUri } from '../services.ts';

const REPO = new URL('../../', import.meta.url);
const K1 = newMasterKey('k1');
const K2 = newMasterKey('k2');
const SECRETS = [
  'ck_live_0123456789abcdef',
  'cs_live_fedcba9876543210',
  'whsec-very-secret',
  'app-key-5b1f',
  'client-key-77c2',
  'sub-key-0a9e',
];

const TENANT_FILE = `version: 1
name: Kari's bike shop
systems:
  woocommerce:
    connector: woocommerce
    url: https://kari.example.com
    consumer_key: ${SECRETS[0]}
    consumer_secret: ${SECRETS[1]}
    webhook_secret: ${SECRETS[2]}
  poweroffice-go:
    connector: poweroffice-go
    url: https://goapi.poweroffice.net/v2
    application_key: ${SECRETS[3]}
    client_key: ${SECRETS[4]}
    subscription_key: \${SUB_KEY}
    rate_limit: 10
`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-tenants-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'mapsync.yaml'),
    readFileSync(new URL('mapsync.yaml', REPO), 'utf8').replace(
      /^store: .*$/m,
      'store: sqlite://state.sqlite',
    ),
  );
  writeFileSync(join(dir, 'kari.yaml'), TENANT_FILE);
  return dir;
}

async function cli(dir: string, args: string[], env: Record<string, string> = {}) {
  let out = '';
  let code = 0;
  await runCli(args, {
    registry: connectors,
    env: { MAPSYNC_MASTER_KEY: K1, SUB_KEY: SECRETS[5], ...env },
    cwd: dir,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      out += t;
    },
    now: () => new Date('2026-02-01T10:00:00Z'),
    setExitCode: (c) => {
      code = c;
    },
  });
  for (const secret of SECRETS) expect(out).not.toContain(secret);
  return { code, out };
}

describe('sealing', () => {
  it('opens only with the same key id, key and context; errors never show key material', () => {
    const ring = KeyRing.parse(K1);
    const sealed = ring.seal('secret value', 'tenant a, system s, key');
    expect(JSON.stringify(sealed)).not.toContain('secret value');
    expect(ring.open(sealed, 'tenant a, system s, key')).toBe('secret value');
    expect(() => ring.open(sealed, 'tenant b, system s, key')).toThrow(
      expect.objectContaining({ code: 'TENANT_DECRYPT_FAILED' }),
    );
    const impostor = KeyRing.parse(newMasterKey('k1'));
    expect(() => impostor.open(sealed, 'tenant a, system s, key')).toThrow(
      expect.objectContaining({ code: 'TENANT_DECRYPT_FAILED' }),
    );
    expect(() => KeyRing.parse(K2).open(sealed, 'tenant a, system s, key')).toThrow(
      expect.objectContaining({ code: 'TENANT_KEY_UNKNOWN' }),
    );
    expect(KeyRing.parse(`${K2},${K1}`).open(sealed, 'tenant a, system s, key')).toBe('secret value');
    const short = `k1:${randomBytes(16).toString('base64')}`;
    expect(() => KeyRing.parse(short)).toThrow(
      expect.objectContaining({ code: 'TENANT_MASTER_KEY_INVALID' }),
    );
    expect(() => KeyRing.parse(short)).not.toThrow(short.slice(3));
    expect(() => KeyRing.parse(undefined)).toThrow(
      expect.objectContaining({ code: 'TENANT_MASTER_KEY_MISSING' }),
    );
  });
});

function tenantFlow(name: string, storeArgs: () => string[], missing?: string) {
  describe.skipIf(missing !== undefined)(`mapsync tenant on ${name}`, () => {
    it('adds, lists, shows (masked), refuses a duplicate, rotates the key and removes with the state', async () => {
      const dir = workspace();
      const store = storeArgs();
      const added = await cli(dir, ['tenant', 'add', 'kari', '--file', 'kari.yaml', ...store]);
      expect(added).toEqual({
        code: 0,
        out: 'tenant kari added: woocommerce, poweroffice-go (6 secrets sealed)\n',
      });
      expect((await cli(dir, ['tenant', 'add', 'kari', '--file', 'kari.yaml', ...store])).code).toBe(2);

      const listed = await cli(dir, ['tenant', 'list', ...store]);
      expect(listed.out).toMatch(
        /^kari\tKari's bike shop\twoocommerce \(woocommerce\), poweroffice-go \(poweroffice-go\)\tshared mappings/,
      );
      const shown = JSON.parse((await cli(dir, ['tenant', 'show', 'kari', ...store])).out);
      expect(shown.systems['poweroffice-go']).toEqual({
        connector: 'poweroffice-go',
        url: 'https://goapi.poweroffice.net/v2',
        rate_limit: 10,
        application_key: '******** (sealed, key k1)',
        client_key: '******** (sealed, key k1)',
        subscription_key: '******** (sealed, key k1)',
      });

      // Nothing in clear in the store itself; the composition root gets the values back.
      const uri = store[1] ?? `sqlite://${join(dir, 'state.sqlite')}`;
      const backend = openStore(uri, dir);
      try {
        const raw = JSON.stringify(await backend.namespace(TENANTS_NAMESPACE).get('kari'));
        for (const secret of SECRETS) expect(raw).not.toContain(secret);
        const registry = new TenantRegistry({
          store: backend,
          registry: connectors,
          keyRing: () => KeyRing.parse(K1),
        });
        const opened = await registry.systems('kari');
        expect(opened.systems['poweroffice-go']!.subscription_key).toBe(SECRETS[5]);
        expect(opened.secrets.sort()).toEqual([...SECRETS].sort());
        await tenantStore(backend, 'kari')
          .namespace('mapsync.v1.customer-person.links')
          .set('1', { id: 'x' });
      } finally {
        await backend.close();
      }

      const rotated = await cli(dir, ['tenant', 'rotate-key', ...store], {
        MAPSYNC_MASTER_KEY: `${K2},${K1}`,
      });
      expect(rotated.out).toBe(
        '6 secrets of 1 tenants sealed again with key k2; every tenant is on it now\n',
      );
      expect((await cli(dir, ['tenant', 'rotate-key', ...store], { MAPSYNC_MASTER_KEY: K2 })).out).toMatch(
        /^0 secrets of 0 tenants/,
      );
      const after = openStore(uri, dir);
      try {
        const onlyNew = new TenantRegistry({
          store: after,
          registry: connectors,
          keyRing: () => KeyRing.parse(K2),
        });
        expect((await onlyNew.systems('kari')).systems.woocommerce!.consumer_secret).toBe(SECRETS[1]);
        const onlyOld = new TenantRegistry({
          store: after,
          registry: connectors,
          keyRing: () => KeyRing.parse(K1),
        });
        await expect(onlyOld.systems('kari')).rejects.toMatchObject({ code: 'TENANT_KEY_UNKNOWN' });
      } finally {
        await after.close();
      }

      const removed = await cli(dir, ['tenant', 'remove', 'kari', '--purge-state', ...store]);
      expect(removed).toEqual({ code: 0, out: 'tenant kari removed with 1 state entries\n' });
      expect((await cli(dir, ['tenant', 'list', ...store])).out).toBe('no tenants\n');
      expect(await cli(dir, ['tenant', 'show', 'kari', ...store])).toEqual({
        code: 2,
        out: 'mapsync: no tenant "kari"\n',
      });
    });
  });
}

tenantFlow('SQLite', () => []);
const pgMissing = await postgresMissing();
const pg = postgresStoreUri();
afterAll(async () => {
  if (!pgMissing) await pg.drop();
});
tenantFlow('PostgreSQL', () => ['--store', pg.uri], pgMissing);

describe('mapsync tenant add: bad input', () => {
  it('reports every problem at its line and column, and stores nothing', async () => {
    const dir = workspace();
    writeFileSync(
      join(dir, 'bad.yaml'),
      `version: 1
mappings: tenants/kari/mappings
systems:
  woocommerce:
    connector: woocommerse
    url: https://kari.example.com
  poweroffice-go:
    connector: poweroffice-go
    url: https://goapi.poweroffice.net/v2
    application_key: a
    client_key: b
    subscription_key: \${NOT_SET}
  crm:
    connector: woocommerce
    url: https://x.example.com
    consumer_key: k
    consumer_secret: s
    page_size: 0
`,
    );
    const result = await cli(dir, ['tenant', 'add', 'kari', '--file', 'bad.yaml']);
    expect(result.code).toBe(2);
    expect(result.out).toBe(
      'bad.yaml:12:23 error TENANT_MISSING_ENV environment variable NOT_SET is not set\n',
    );
    writeFileSync(
      join(dir, 'bad.yaml'),
      readFileSync(join(dir, 'bad.yaml'), 'utf8').replace(/\$\{NOT_SET\}/, 'c'),
    );
    const second = await cli(dir, ['tenant', 'add', 'kari', '--file', 'bad.yaml']);
    expect(second.out.split('\n').filter(Boolean)).toEqual([
      'bad.yaml:2:11 error TENANT_MAPPINGS_MISSING mappings folder "tenants/kari/mappings" does not exist (relative to mapsync.yaml\'s folder)',
      'bad.yaml:5:16 error TENANT_UNKNOWN_CONNECTOR unknown connector kind "woocommerse" (did you mean "woocommerce"?); registered: memory, poweroffice-go, woocommerce',
      'bad.yaml:13:3 error TENANT_SYSTEM_INVALID woocommerce connector config: "page_size" must be an integer from 1 to 100',
      'bad.yaml:13:3 error TENANT_SYSTEM_UNKNOWN system "crm" is not in mapsync.yaml',
    ]);
    const schema = await cli(dir, ['tenant', 'add', 'Bad.Id', '--file', 'kari.yaml']);
    expect(schema).toEqual({
      code: 2,
      out: expect.stringContaining('tenant id "Bad.Id": lowercase letters'),
    });
    expect((await cli(dir, ['tenant', 'list'])).out).toBe('no tenants\n');
  });
});
