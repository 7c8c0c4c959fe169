/**
 * The WooCommerce connector's run settings (`$source_settings`): the shop's tax settings and
 * per-class base rates read from the sandbox's settings and taxes API, a handful of requests,
 * cached across runs for five minutes and read anew on `refresh`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { createRuntime } from '../../engine/runtime.ts';
import { startWooCommerceSandbox, type WooSandbox } from '../../sandbox/woocommerce/index.ts';

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!();
});

async function shopWithClock(): Promise<{
  sandbox: WooSandbox;
  read: (refresh?: boolean) => Promise<Record<string, unknown>>;
  clock: { now: number };
}> {
  const sandbox = await startWooCommerceSandbox({ webhookDelayMs: 10 * 60_000 });
  // Close to the real time: the connector signs OAuth requests with it.
  const clock = { now: Date.now() };
  const connector = await connectors
    .get('woocommerce')!
    .create(
      { url: sandbox.url, consumer_key: sandbox.consumerKey, consumer_secret: sandbox.consumerSecret },
      createRuntime({ now: () => new Date(clock.now) }),
    );
  open.push(async () => {
    await connector.close();
    await sandbox.close();
  });
  return {
    sandbox,
    clock,
    read: async (refresh) => ({ ...(await connector.runSettings!.read({ refresh })) }),
  };
}

async function setOptions(sandbox: WooSandbox, options: Record<string, string>): Promise<void> {
  const response = await fetch(`${sandbox.url}/__admin/options`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(options),
  });
  expect(response.status).toBe(200);
}

const settingsRequests = (sandbox: WooSandbox) =>
  sandbox.log.list().filter((e) => /\/wc\/v3\/(settings|taxes)/.test(e.path)).length;

describe('WooCommerce run settings', () => {
  it('reads the tax settings and the base rate of every class', async () => {
    const { sandbox, read } = await shopWithClock();
    expect(await read()).toEqual({
      calc_taxes: true,
      prices_include_tax: false,
      tax_round_at_subtotal: false,
      price_decimals: 2,
      currency: 'NOK',
      tax_classes: [
        { slug: '', name: 'Standard rate' },
        { slug: 'reduced-rate', name: 'Reduced rate' },
        { slug: 'low-rate', name: 'Low rate' },
        { slug: 'zero-rate', name: 'Zero rate' },
      ],
      tax_rates: { '': 25, 'reduced-rate': 15, 'low-rate': 12, 'zero-rate': 0 },
    });
    // general, tax, classes, rates: four requests, none per record.
    expect(settingsRequests(sandbox)).toBe(4);
  });

  it('keeps them five minutes, and reads them anew on refresh or after that', async () => {
    const { sandbox, read, clock } = await shopWithClock();
    await read();
    await setOptions(sandbox, {
      woocommerce_prices_include_tax: 'yes',
      woocommerce_tax_round_at_subtotal: 'yes',
    });
    expect((await read()).prices_include_tax).toBe(false); // cached
    expect(settingsRequests(sandbox)).toBe(4);
    expect(await read(true)).toMatchObject({ prices_include_tax: true, tax_round_at_subtotal: true });
    await setOptions(sandbox, { woocommerce_prices_include_tax: 'no' });
    clock.now += 5 * 60_000;
    expect((await read()).prices_include_tax).toBe(false);
    expect(settingsRequests(sandbox)).toBe(12);
  });

  it('reads "prices include tax" as false while taxes are off, as WooCommerce does (no /settings/tax then)', async () => {
    const { sandbox, read } = await shopWithClock();
    await setOptions(sandbox, { woocommerce_prices_include_tax: 'yes' });
    await setOptions(sandbox, { woocommerce_calc_taxes: 'no' });
    expect(await read()).toMatchObject({ calc_taxes: false, prices_include_tax: false });
    expect(sandbox.log.list().some((e) => e.path.includes('/settings/tax'))).toBe(false);
  });

  it('fails loudly when the shop does not answer, and tries again on the next read', async () => {
    const { sandbox, read } = await shopWithClock();
    sandbox.faults.configure({ rate500: 1 });
    await expect(read()).rejects.toThrow(/500|settings/);
    sandbox.faults.configure({});
    expect((await read()).calc_taxes).toBe(true);
  });
});
