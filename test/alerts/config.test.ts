// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references under test
/**
 * The `alerts:` section of mapsync.yaml: schema problems and secrets written in the file are
 * reported at their line and column; values taken from the environment become secrets the
 * logger scrubs; settings get their defaults.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAlertSettings } from '../../engine/alerts/settings.ts';
import { loadConfig } from '../../engine/config/load-config.ts';
import { connectors } from '../../engine/connectors/index.ts';

const SYSTEMS = `version: 1
systems:
  woocommerce:
    connector: woocommerce
    url: http://127.0.0.1:1
    consumer_key: \${WOO_KEY}
    consumer_secret: \${WOO_SECRET}
`;

async function load(alerts: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-alerts-config-'));
  const file = join(dir, 'mapsync.yaml');
  writeFileSync(file, `${SYSTEMS}${alerts}`);
  return loadConfig(file, { env, requireEnv: false, registry: connectors, displayPath: 'mapsync.yaml' });
}

const where = (list: Array<{ code: string; line: number; col: number }>) =>
  list.map((d) => [d.code, d.line, d.col]);

describe('alerts in mapsync.yaml', () => {
  it('reports each problem where it is', async () => {
    const { diagnostics } = await load(`alerts:
  chanels: []
  channels:
    - type: webhook
      url: ftp://hooks.example.com/x
      secret: written-in-the-file
    - type: slack
      url: https://hooks.slack.com/services/T000/B000/XXXX
    - type: email
      host: smtp.example.com
      from: mapsync@example.com
      to: [not-an-address]
    - type: email
      host: smtp.example.com
      from: mapsync@example.com
      password: hunter2
`);
    expect(where(diagnostics)).toEqual([
      ['CFG_UNKNOWN_KEY', 9, 3],
      ['CFG_ALERT_URL', 12, 12],
      ['CFG_SECRET_LITERAL', 13, 15],
      ['CFG_SECRET_LITERAL', 15, 12],
      ['CFG_INVALID_VALUE', 19, 12],
      ['CFG_MISSING_KEY', 20, 7],
      ['CFG_SECRET_LITERAL', 23, 17],
    ]);
    expect(diagnostics[0]!.message).toContain('did you mean "channels"');
  });

  it('takes secrets from the environment, scrubs them, and fills in the defaults', async () => {
    const env = {
      HOOK_SECRET: 'hook-secret-value',
      SLACK_URL: 'https://hooks.slack.com/services/T1/B1/secret',
    };
    const { config, diagnostics } = await load(
      `alerts:
  channels:
    - { type: webhook, url: "https://hooks.example.com/mapsync", secret: "\${HOOK_SECRET}" }
    - { type: slack, url: "\${SLACK_URL}" }
`,
      env,
    );
    expect(diagnostics).toEqual([]);
    expect(config!.secrets).toEqual(expect.arrayContaining(Object.values(env)));
    const settings = resolveAlertSettings(config!.sections.alerts)!;
    expect(settings).toMatchObject({
      name: 'mapsync',
      checkEveryMs: 60_000,
      rateLimit: { max: 10, perMs: 3_600_000 },
      conditions: {
        mappingStopped: { enabled: true, afterFailedRuns: 1 },
        failedRecords: { enabled: true, count: 10, olderThanMs: 3_600_000 },
        manualConflicts: { enabled: true },
      },
      channels: [
        { type: 'webhook', name: 'webhook 1', secret: 'hook-secret-value' },
        { type: 'slack', name: 'slack 2', url: env.SLACK_URL },
      ],
    });
  });

  it('a missing variable is reported when serving, not when validating', async () => {
    const alerts = 'alerts:\n  channels:\n    - { type: slack, url: "${SLACK_URL}" }\n';
    expect((await load(alerts)).diagnostics).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'mapsync-alerts-config-'));
    writeFileSync(join(dir, 'mapsync.yaml'), `${SYSTEMS}${alerts}`);
    const served = await loadConfig(join(dir, 'mapsync.yaml'), {
      env: { WOO_KEY: 'k', WOO_SECRET: 's' },
      requireEnv: true,
      registry: connectors,
    });
    expect(where(served.diagnostics)).toEqual([['CFG_MISSING_ENV', 10, 27]]);
  });
});
