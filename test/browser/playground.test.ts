/**
 * The mapping playground in Debian's Chromium against a real `mapsync serve --sandbox` (what
 * `npm start` runs), on a copy of the project in a temp folder (a save never touches the
 * repository):
 * - the status page links to the playground, and each dataflow to its mapping there;
 * - editing an expression changes the payload; an error is underlined at its token;
 * - a record fetched live by id from the sandbox shop maps to its payload;
 * - "Save to file" writes the file, which `mapsync validate` then accepts.
 * Screenshots go to test-results/ (gitignored).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBanner, REPO, type ServeProcess, spawnServe } from '../service/spawn-serve.ts';
import { type Browser, launchChromium } from './browser.ts';

const ARTIFACTS = join(REPO, 'test-results');
const PRODUCT = 'mappings/product.yaml';
const DESCRIPTION = '$htmlToText(type = "variation" ? description : short_description)';

let project: string;
let serve: ServeProcess;
let banner: ReturnType<typeof parseBanner>;
let browser: Browser;
let page: Page;
let original: string;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'mapsync-playground-browser-'));
  cpSync(join(REPO, 'mappings'), join(project, 'mappings'), { recursive: true });
  cpSync(join(REPO, 'mapsync.yaml'), join(project, 'mapsync.yaml'));
  original = readFileSync(join(project, PRODUCT), 'utf8');
  mkdirSync(ARTIFACTS, { recursive: true });
  serve = await spawnServe({
    args: ['--sandbox', '--port', '0', '--seed', '4', '--data-dir', join(project, 'data')],
    cwd: project,
    env: { MAPSYNC_ADMIN_TOKEN: undefined },
  });
  banner = parseBanner(serve.stdout());
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
});

afterAll(async () => {
  await browser?.close();
  const exit = await serve?.terminate();
  expect(exit?.code).toBe(0);
  if (project) rmSync(project, { recursive: true, force: true });
});

/** Evaluations run on the server, debounced: wait for the outcome, however loaded the machine. */
const WAIT = { timeout: 30_000 };
const editor = () => page.getByTestId('editor');
const payload = () => page.getByTestId('payload').textContent();

describe('mapping playground', () => {
  it('is linked from the status page, for every dataflow', async () => {
    expect(serve.stdout()).toMatch(/^playground\s+http:\/\/\S+\/playground#token=/m);
    await page.goto(`${serve.url}/#token=${banner.adminToken}`);
    await page.waitForSelector('body[data-loaded="true"]');
    expect(await page.getByTestId('playground-link').getAttribute('href')).toBe('/playground');
    const link = page.locator('[data-testid="mapping-product"] a[data-role="playground"]');
    await link.waitFor();
    await link.click();
    await page.waitForSelector('body[data-ready="true"]');
    expect(new URL(page.url()).pathname).toBe('/playground');
    expect(await page.getByTestId('mapping').inputValue()).toBe(PRODUCT);
    // The first test case is the sample; its payload is shown.
    await expect.poll(payload, WAIT).toContain('"Description": "Stor kopp i steintøy."');
    await expect
      .poll(() => page.getByTestId('reverse').textContent(), WAIT)
      .toContain('"regular_price": "149.00"');
  });

  it('shows the payload change when an expression is edited, and writes nothing', async () => {
    await editor().fill(original.replace(DESCRIPTION, `$uppercase(${DESCRIPTION})`));
    await expect.poll(payload, WAIT).toContain('"Description": "STOR KOPP I STEINTØY."');
    expect(readFileSync(join(project, PRODUCT), 'utf8')).toBe(original);
    expect(await page.getByTestId('save').isEnabled()).toBe(true);
  });

  it('underlines an error at its token in the editor and lists it', async () => {
    await editor().fill(original.replace(DESCRIPTION, '$htmlToTxt(short_description)'));
    const mark = page.locator('#marks mark.diag.error[data-code="EXPR_UNKNOWN_FUNCTION"]');
    await mark.waitFor();
    expect(await mark.textContent()).toBe('$htmlToTxt');
    const line = original.split('\n').findIndex((l) => l.includes(DESCRIPTION)) + 1;
    expect(await mark.getAttribute('data-line')).toBe(String(line));
    // The underline sits over the token in the textarea: same line box as the text.
    const box = await mark.boundingBox();
    expect(box!.width).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('diagnostics').textContent(), WAIT)
      .toMatch(new RegExp(`${PRODUCT}:${line}:\\d+ error EXPR_UNKNOWN_FUNCTION`));
    await page.screenshot({ path: join(ARTIFACTS, 'playground-error.png'), fullPage: true });
  });

  it('maps a record fetched live by id from the shop (read-only)', async () => {
    const auth = Buffer.from(`${banner.consumerKey}:${banner.consumerSecret}`).toString('base64');
    const products = (await (
      await fetch(`${banner.wooUrl}/wp-json/wc/v3/products?per_page=1`, {
        headers: { authorization: `Basic ${auth}` },
      })
    ).json()) as Array<{ id: number; sku: string; name: string }>;
    const product = products[0]!;
    await editor().fill(original);
    await page.getByTestId('sample').selectOption('live');
    await page.getByTestId('live-id').fill(String(product.id));
    await page.getByRole('button', { name: 'Fetch' }).click();
    await expect.poll(payload, WAIT).toContain(`"Name": ${JSON.stringify(product.name)}`);
    expect(await page.getByTestId('record').inputValue()).toContain(`"id": ${product.id}`);
  });

  it('saves to the file, which mapsync validate then accepts', async () => {
    const text = original.replace(DESCRIPTION, `$uppercase(${DESCRIPTION})`);
    await page.getByTestId('sample').selectOption('case:normal product');
    await editor().fill(text);
    await expect.poll(payload, WAIT).toContain('STOR');
    await page.getByTestId('save').click();
    await page.waitForSelector('[data-testid="save-result"][data-outcome="valid"]');
    expect(readFileSync(join(project, PRODUCT), 'utf8')).toBe(text);
    // The running service keeps the mappings it started with, and says so.
    expect(await page.getByTestId('save-result').textContent()).toContain('restart it');
    const validate = await promisify(execFile)(process.execPath, [join(REPO, 'bin/mapsync.js'), 'validate'], {
      cwd: project,
    });
    expect(validate.stderr).toMatch(/mapsync validate: 0 errors/);
    expect(await page.getByTestId('save').isEnabled()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-saved.png'), fullPage: true });
  });
});
