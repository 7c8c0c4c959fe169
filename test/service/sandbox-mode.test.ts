// biome-ignore-all lint/suspicious/noTemplateCurlyInString: a ${VARIABLE} reference as mapsync.yaml writes it
/**
 * `serve --sandbox` asks the registry: it starts the dev sandbox of each kind the project's
 * systems use (and only those), points every system of that kind at it, and wires it to the
 * service once per system — for any kind, here two made-up ones.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { SystemConfig } from '../../engine/config/load-config.ts';
import { memory } from '../../engine/connectors/memory/index.ts';
import { ConnectorRegistry } from '../../engine/connectors/registry.ts';
import type { ConnectorSpec, DevSandboxOptions } from '../../engine/connectors/spec.ts';
import { sandboxBanner, startSandboxes } from '../../engine/service/sandbox-mode.ts';

function kindWithSandbox(kind: string, log: string[]): ConnectorSpec {
  return {
    ...(memory as unknown as ConnectorSpec),
    kind,
    devSandbox: async () => ({
      async start(options: DevSandboxOptions) {
        log.push(`start ${kind} seed=${options.seed} random=${options.randomCredentials}`);
        return {
          config: { url: `http://${kind}.test`, token: `${kind}-secret` },
          secrets: [`${kind}-secret`],
          connection: { url: `http://${kind}.test` },
          env: [`${kind.toUpperCase()}_URL=http://${kind}.test`],
          addresses: { [`${kind} admin`]: `http://${kind}.test/admin` },
          describe: () => [`  ${kind}  http://${kind}.test`],
          async connectService(url: string, system: string) {
            log.push(`connect ${kind} ${system} ${url}`);
          },
          async close() {
            log.push(`close ${kind}`);
          },
        };
      },
    }),
  };
}

it('starts the sandboxes of the kinds in use, points their systems at them and wires each system', async () => {
  const log: string[] = [];
  const registry = new ConnectorRegistry()
    .add(kindWithSandbox('shop', log))
    .add(kindWithSandbox('ledger', log))
    .add(kindWithSandbox('unused', log));
  const systems: Record<string, SystemConfig> = {
    eu: { connector: 'shop', url: '${SHOP_URL}' },
    us: { connector: 'shop' },
    books: { connector: 'ledger' },
  };
  const running = await startSandboxes(registry, systems, {
    seed: 3,
    keepData: false,
    dataDir: mkdtempSync(join(tmpdir(), 'mapsync-sandbox-mode-')),
  });
  expect(log).toEqual(['start ledger seed=3 random=true', 'start shop seed=3 random=true']);
  expect(running.pointSystems(systems).sort()).toEqual(['ledger-secret', 'shop-secret', 'shop-secret']);
  expect(systems.eu).toEqual({ connector: 'shop', url: 'http://shop.test', token: 'shop-secret' });
  expect(systems.books).toMatchObject({ url: 'http://ledger.test' });
  await running.connectService('http://127.0.0.1:1', systems);
  expect(log.filter((l) => l.startsWith('connect'))).toEqual([
    'connect shop eu http://127.0.0.1:1',
    'connect shop us http://127.0.0.1:1',
    'connect ledger books http://127.0.0.1:1',
  ]);
  expect(running.info()).toEqual({
    'ledger admin': 'http://ledger.test/admin',
    'shop admin': 'http://shop.test/admin',
  });
  expect(sandboxBanner(running, 'http://127.0.0.1:1', undefined)).toContain('  shop  http://shop.test');
  await running.close();
  expect(log.filter((l) => l.startsWith('close')).sort()).toEqual(['close ledger', 'close shop']);
});
