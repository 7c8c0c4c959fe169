/**
 * The status page in a real browser against a real `mapsync serve --sandbox`:
 * - it loads and shows every dataflow with its linked records and the request budget;
 * - an edit in the WooCommerce sandbox appears in the live feed;
 * - a record that PowerOffice rejects shows up as failed with its reason; after the source
 *   is fixed (with the shop's webhook paused, as when a delivery is lost) the Retry button
 *   on the page syncs it.
 * Screenshots go to test-results/ (gitignored) as artifacts.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, parseBanner, REPO, type ServeProcess, spawnServe, waitIdle } from '../service/spawn-serve.ts';
import { type Browser, launchChromium } from './browser.ts';

const ARTIFACTS = join(REPO, 'test-results');

let serve: ServeProcess;
let dataDir: string;
let banner: ReturnType<typeof parseBanner>;
let browser: Browser;
let page: Page;

const woo = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${banner.wooUrl}/wp-json/wc/v3${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${banner.consumerKey}:${banner.consumerSecret}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mapsync-serve-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  serve = await spawnServe({
    args: ['--sandbox', '--port', '0', '--seed', '8', '--data-dir', dataDir],
    env: { MAPSYNC_ADMIN_TOKEN: undefined },
  });
  banner = parseBanner(serve.stdout());
  await waitIdle(serve.url, 90_000);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  // The address printed by `serve --sandbox` carries the admin token in the fragment.
  await page.goto(`${serve.url}/#token=${banner.adminToken}`);
  await page.waitForSelector('body[data-loaded="true"]');
});

afterAll(async () => {
  await browser?.close();
  const exit = await serve?.terminate();
  expect(exit?.code).toBe(0);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('status page', () => {
  it('shows every dataflow, its linked records and the PowerOffice request budget', async () => {
    for (const name of ['customer-person', 'product', 'salesorder']) {
      const card = page.getByTestId(`mapping-${name}`);
      await expect.poll(() => card.isVisible()).toBe(true);
      const linked = Number(await card.getByTestId('linked').textContent());
      expect(linked, `${name} linked records`).toBeGreaterThan(0);
    }
    await expect.poll(() => page.getByTestId('budget-poweroffice-go').textContent()).toMatch(/\/ 10 per 1 s/);
    // The token moved from the address bar into the tab's session storage.
    expect(page.url()).not.toContain('token=');
    expect(await page.locator('.uplot').count()).toBe(2);
  });

  it('shows an edit made in the WooCommerce sandbox in the live feed', async () => {
    await woo('PUT', '/customers/2', { last_name: 'Fjellheim' });
    const item = page.locator(
      '[data-testid="feed"] li[data-mapping="customer-person"][data-id="2"][data-outcome="updated"]',
    );
    await item.first().waitFor({ timeout: 5000 });
    expect(await item.first().textContent()).toContain('LastName');
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-live-feed.png'), fullPage: true });
  });

  it('lists a record PowerOffice rejects with its reason, and retries it from the page once fixed', async () => {
    const created = await woo('POST', '/customers', {
      email: `long.city.${Date.now()}@example.com`,
      first_name: 'Lang',
      last_name: 'Bynavn',
      billing: { city: 'Llanfairpwllgwyngyll'.repeat(8), postcode: '0150', country: 'NO' },
    });
    const id = String(created.id);
    const row = page.getByTestId(`failed-customer-person-${id}`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toMatch(/City/);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-failed-record.png'), fullPage: true });

    // Fix the source while the shop's customer.updated webhook is paused (a lost delivery):
    // nothing syncs it by itself now; the operator retries from the page.
    const hooks = (await woo('GET', '/webhooks?per_page=100')) as unknown as Array<{
      id: number;
      topic: string;
    }>;
    const updated = hooks.find((h) => h.topic === 'customer.updated')!;
    await woo('PUT', `/webhooks/${updated.id}`, { status: 'paused' });
    await woo('PUT', `/customers/${id}`, { billing: { city: 'Oslo', postcode: '0150', country: 'NO' } });
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await row.isVisible()).toBe(true);

    await page.getByTestId(`retry-customer-person-${id}`).click();
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    await expect
      .poll(async () => {
        const state = await json<{
          customers: Array<{ ExternalImportReference?: string; MailAddress?: { City?: string } }>;
        }>(`${banner.poUrl.replace(/\/v2$/, '')}/__admin/state`);
        return state.customers.find((c) => c.ExternalImportReference === id)?.MailAddress?.City;
      })
      .toBe('Oslo');
    await woo('PUT', `/webhooks/${updated.id}`, { status: 'active' });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
  });
});
