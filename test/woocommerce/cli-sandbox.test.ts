/**
 * `mapsync sandbox --json` as a user runs it: a child process that prints one JSON line
 * once both sandboxes listen, serves until SIGTERM/SIGINT, then exits 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { createRuntime } from '../../engine/runtime.ts';

function start(args: string[]) {
  const child = spawn(process.execPath, ['bin/mapsync.js', 'sandbox', ...args], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (lines.length === 1) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, firstLine, exited, lines };
}

describe('mapsync sandbox', () => {
  it('--json prints exactly one line with working keys and stops cleanly on SIGTERM', async () => {
    const run = start(['--json', '--seed', '6']);
    const info = JSON.parse(await run.firstLine) as Record<string, Record<string, string>>;
    // One entry per registered kind with a sandbox, keyed by kind.
    expect(Object.keys(info).sort()).toEqual(['poweroffice-go', 'woocommerce']);
    expect(Object.keys(info.woocommerce!).sort()).toEqual([
      'consumerKey',
      'consumerSecret',
      'url',
      'webhookSecret',
    ]);
    expect(Object.keys(info['poweroffice-go']!).sort()).toEqual([
      'applicationKey',
      'clientKey',
      'subscriptionKey',
      'tokenUrl',
      'url',
    ]);
    const runtime = createRuntime();
    const woo = await connectors.get('woocommerce')!.create(
      {
        url: info.woocommerce!.url,
        consumer_key: info.woocommerce!.consumerKey,
        consumer_secret: info.woocommerce!.consumerSecret,
        webhook_secret: info.woocommerce!.webhookSecret,
      },
      runtime,
    );
    await woo.checkAuth();
    const customers = [];
    for await (const page of woo.list('customer')) customers.push(...page.records);
    expect(customers).toHaveLength(6);
    const po = connectors.get('poweroffice-go');
    if (po) {
      const connector = await po.create(
        {
          url: info['poweroffice-go']!.url,
          token_url: info['poweroffice-go']!.tokenUrl,
          application_key: info['poweroffice-go']!.applicationKey,
          client_key: info['poweroffice-go']!.clientKey,
          subscription_key: info['poweroffice-go']!.subscriptionKey,
        },
        runtime,
      );
      await connector.checkAuth();
      await connector.close();
    }
    await woo.close();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.lines).toHaveLength(1);
  });

  it('without --json prints a summary with the environment lines; SIGINT exits 0', async () => {
    const run = start(['--seed', '0', '--rate-limit', '5']);
    await run.firstLine;
    await new Promise((resolve) => setTimeout(resolve, 300));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const text = run.lines.join('\n');
    expect(text).toMatch(/^WOOCOMMERCE_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(text).toMatch(/^WOOCOMMERCE_CONSUMER_KEY=ck_[0-9a-f]{40}$/m);
    expect(text).toMatch(/^POWEROFFICE_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/v2$/m);
    expect(text).toContain('data: empty shop');
  });

  it('starts only the kinds named, on the --port given per kind', async () => {
    const free = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const run = start(['woocommerce', '--json', '--seed', '0', '--port', `woocommerce=${free}`]);
    const info = JSON.parse(await run.firstLine) as Record<string, Record<string, string>>;
    expect(Object.keys(info)).toEqual(['woocommerce']);
    expect(info.woocommerce!.url).toBe(`http://127.0.0.1:${free}`);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('refuses a kind without a sandbox and a malformed --port', () => {
    for (const [args, message] of [
      [['shopify'], 'no sandbox for "shopify"'],
      [['--port', 'woocommerce'], 'expected <kind>=<port>'],
    ] as const) {
      const run = spawnSync(process.execPath, ['bin/mapsync.js', 'sandbox', ...args], {
        cwd: new URL('../..', import.meta.url).pathname,
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });
});
