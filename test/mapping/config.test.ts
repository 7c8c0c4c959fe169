// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references under test
/** mapsync.yaml: interpolation, secrets only from the environment, connector kinds, loadProject. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate } from '../../engine/config/interpolate.ts';
import { loadConfig } from '../../engine/config/load-config.ts';
import { mapsyncSchema } from '../../engine/connectors/config-schema.ts';
import { connectors } from '../../engine/connectors/index.ts';
import { resolveConfig as resolvePowerOffice } from '../../engine/connectors/poweroffice-go/config.ts';
import { ConfigError } from '../../engine/errors.ts';
import { assertUsable, loadProject } from '../../engine/mapping/project.ts';
import { FIXTURES, registry, schemasDir, where } from './helpers.ts';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const GOOD = `version: 1
systems:
  shop:
    connector: shop
    url: \${SHOP_URL:-http://localhost:8080}
    api_key: \${SHOP_API_KEY}
    timeout_ms: \${SHOP_TIMEOUT:-2500}
  erp:
    connector: erp
store: \${MAPSYNC_STORE:-sqlite://data/mapsync.sqlite}
mappings: maps
`;

describe('interpolate', () => {
  it('reads ${VAR} and ${VAR:-default}, and $${ is a literal', () => {
    expect(interpolate('${A}/x/${B:-dflt}/$${C}', { A: 'a' })).toEqual({
      value: 'a/x/dflt/${C}',
      missing: [],
      used: ['A', 'B'],
      problems: [],
    });
  });

  it('collects every missing variable', () => {
    expect(interpolate('${A}${B}${C:-}', {}).missing).toEqual(['A', 'B']);
    expect(interpolate('${A}', { A: '' }).missing).toEqual(['A']);
  });

  it('reports malformed references', () => {
    expect(interpolate('${not valid}', {}).problems).toHaveLength(1);
    expect(interpolate('abc ${OPEN', {}).problems).toHaveLength(1);
  });
});

describe('loadConfig', () => {
  const load = (dir: string, env: Record<string, string>, requireEnv: boolean, kinds = registry) =>
    loadConfig(join(dir, 'mapsync.yaml'), {
      env,
      requireEnv,
      registry: kinds,
      schemasDir,
      displayPath: 'mapsync.yaml',
    });

  it('loads systems with interpolated options, defaults and secrets', async () => {
    const dir = project({ 'mapsync.yaml': GOOD });
    const { config, diagnostics } = await load(
      dir,
      { SHOP_API_KEY: 'k3y-secret', SHOP_TIMEOUT: '4000' },
      true,
    );
    expect(diagnostics).toEqual([]);
    expect(config?.systems).toEqual({
      shop: { connector: 'shop', url: 'http://localhost:8080', api_key: 'k3y-secret', timeout_ms: 4000 },
      erp: { connector: 'erp' },
    });
    expect(config?.store).toBe('sqlite://data/mapsync.sqlite');
    expect(config?.mappingsDir).toBe(join(dir, 'maps'));
    expect(config?.secrets).toEqual(['k3y-secret']);
    expect(config?.sections).toEqual({});
  });

  it('does not need the environment for validation, but sync does: all missing variables at once', async () => {
    const dir = project({
      'mapsync.yaml': GOOD.replace('connector: erp', 'connector: erp\n    url: ${ERP_URL}'),
    });
    expect((await load(dir, {}, false)).diagnostics).toEqual([]);
    const strict = await load(dir, {}, true);
    expect(where(strict.diagnostics)).toEqual([
      ['CFG_MISSING_ENV', 6, 14],
      ['CFG_MISSING_ENV', 10, 10],
    ]);
  });

  it('refuses secrets written in the file, also as a default', async () => {
    const dir = project({
      'mapsync.yaml': GOOD.replace('${SHOP_API_KEY}', 'abc123').replace('connector: erp', 'connector: erp'),
    });
    expect(where((await load(dir, {}, false)).diagnostics)).toEqual([['CFG_SECRET_LITERAL', 6, 14]]);
    const withDefault = project({
      'mapsync.yaml': GOOD.replace('${SHOP_API_KEY}', '${SHOP_API_KEY:-abc123}'),
    });
    expect(where((await load(withDefault, {}, false)).diagnostics)).toEqual([['CFG_SECRET_LITERAL', 6, 14]]);
  });

  it('reports unknown connector kinds, unknown keys and bad values with positions', async () => {
    const dir = project({
      'mapsync.yaml': `version: 1
systems:
  shop:
    connector: shopp
  Bad_Name:
    connector: erp
storage: x
`,
    });
    const { diagnostics } = await load(dir, {}, false);
    expect(where(diagnostics)).toEqual([
      ['CFG_UNKNOWN_CONNECTOR', 4, 16],
      ['CFG_INVALID_KEY', 5, 3],
      ['CFG_UNKNOWN_KEY', 7, 1],
    ]);
    expect(diagnostics[0]?.message).toContain('did you mean "shop"');
    expect(diagnostics[2]?.message).toContain('did you mean "store"');
  });

  it('checks the options of the built-in connector kinds', async () => {
    const dir = project({
      'mapsync.yaml': `version: 1
systems:
  woocommerce:
    connector: woocommerce
    url: \${WOOCOMMERCE_URL}
    consumer_key: \${WOOCOMMERCE_CONSUMER_KEY}
    consumer_secret: \${WOOCOMMERCE_CONSUMER_SECRET}
    auth: oauth2
    timeout_ms: soon
    consumer_kye: x
`,
    });
    const { diagnostics } = await load(dir, {}, false, connectors);
    expect(where(diagnostics)).toEqual([
      ['CFG_INVALID_VALUE', 8, 11],
      ['CFG_INVALID_VALUE', 9, 17],
      ['CFG_UNKNOWN_KEY', 10, 5],
    ]);
    expect(diagnostics[1]?.message).toBe(
      '"systems.woocommerce.timeout_ms" is "soon": expected integer or a ${VARIABLE} reference',
    );
    expect(diagnostics[2]?.message).toContain('did you mean "consumer_key"');
  });

  it('checks the table of sales accounts per tax class offline, at its rows', async () => {
    const dir = project({
      'mapsync.yaml': `version: 1
systems:
  poweroffice-go:
    connector: poweroffice-go
    url: https://goapi.poweroffice.net/v2
    application_key: \${A}
    client_key: \${B}
    subscription_key: \${C}
    sales_accounts:
      standard: 3000
      reduced-rate: 4030
      low-rate: three
`,
    });
    const { diagnostics } = await load(dir, {}, false, connectors);
    expect(where(diagnostics)).toEqual([
      ['CFG_MISSING_KEY', 9, 5],
      ['CFG_INVALID_VALUE', 11, 21],
      ['CFG_WRONG_TYPE', 12, 17],
    ]);
    expect(diagnostics[0]?.message).toBe(
      '"systems.poweroffice-go.sales_accounts" is missing the required key "" (the empty key, written "")',
    );
    expect(diagnostics[1]?.message).toContain('reduced-rate" must be <= 3999');
  });

  it('reads the table at run time with the same rules, defaulting to the shipped chart', () => {
    const base = {
      url: 'https://goapi.poweroffice.net/v2',
      application_key: 'a',
      client_key: 'b',
      subscription_key: 'c',
    };
    expect(resolvePowerOffice(base).salesAccounts).toEqual({
      '': 3000,
      'reduced-rate': 3030,
      'low-rate': 3020,
      'zero-rate': 3100,
    });
    expect(resolvePowerOffice({ ...base, sales_accounts: { '': 3001, x: 3999 } }).salesAccounts).toEqual({
      '': 3001,
      x: 3999,
    });
    expect(() => resolvePowerOffice({ ...base, sales_accounts: { x: 3000 } })).toThrow(
      '"sales_accounts" needs the key ""',
    );
    expect(() => resolvePowerOffice({ ...base, sales_accounts: { '': 2999 } })).toThrow(
      '"sales_accounts.""" must be an integer from 3000 to 3999',
    );
  });
});

describe('loadProject', () => {
  it('loads the config and its mappings, in dependency order', async () => {
    const result = await loadProject({
      configPath: join(FIXTURES, 'project', 'mapsync.yaml'),
      env: {},
      requireEnv: false,
      registry,
      schemasDir,
      cwd: FIXTURES,
    });
    expect(result.diagnostics).toEqual([]);
    expect(Object.keys(result.systems)).toEqual(['shop', 'erp']);
    expect(result.mappings.map((m) => m.name)).toEqual(['customer', 'order', 'orderline']);
    expect(() => assertUsable(result)).not.toThrow();
  });

  it('assertUsable throws one ConfigError listing every error', async () => {
    const result = await loadProject({
      configPath: 'project/mapsync.yaml',
      env: {},
      requireEnv: true,
      registry,
      schemasDir,
      cwd: FIXTURES,
    });
    expect(where(result.diagnostics)).toEqual([['CFG_MISSING_ENV', 6, 14]]);
    expect(() => assertUsable(result)).toThrow(ConfigError);
    expect(() => assertUsable(result)).toThrow(/1 error:\nproject\/mapsync.yaml:6:14 error CFG_MISSING_ENV/);
  });
});

describe('schemas/mapsync.schema.json', () => {
  const repoSchemas = new URL('../../schemas/', import.meta.url);
  const read = (name: string) => JSON.parse(readFileSync(new URL(name, repoSchemas), 'utf8')) as Json;
  type Json = Record<string, unknown>;

  it('is generated from mapsync.base.schema.json and the registered connector specs (npm run schema)', () => {
    expect(read('mapsync.schema.json')).toEqual(mapsyncSchema(read('mapsync.base.schema.json'), connectors));
  });

  it('describes exactly the options of each registered kind, secrets as ${VARIABLE} references', () => {
    const definitions = read('mapsync.schema.json').definitions as Record<
      string,
      { properties: Record<string, { $ref?: string }> }
    >;
    for (const kind of connectors.all()) {
      const described = definitions[kind.kind]!.properties;
      expect(Object.keys(described).sort(), kind.kind).toEqual(
        ['connector', ...Object.keys(kind.spec.options.properties)].sort(),
      );
      for (const key of kind.secretKeys)
        expect(described[key]?.$ref, `${kind.kind}.${key}`).toBe('#/definitions/env');
    }
  });
});
