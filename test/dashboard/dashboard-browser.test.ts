import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { AnalyticsSummary } from '../../src/analytics/analytics-types.js';
import { printedSecret, runDemoProcess, startEmbeddedDemoService, stopServiceProcess } from '../support/embedded-demo.js';
import type { ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait-until.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshotFile = join(root, 'test-output', 'dashboard.png');

/**
 * The few browser objects the in-page checks touch. The project compiles
 * without the DOM library (it would retype Node's fetch everywhere), so the
 * functions run by the page name these through `globalThis`.
 */
interface PageElement {
  textContent: string | null;
  hidden: boolean;
  value: string;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } } | null;
}
interface ChartLike {
  data: { labels: unknown[]; datasets: { label: string; data: (number | null)[] }[] };
}
interface PageGlobals {
  document: { getElementById(id: string): (PageElement & PageCanvas) | null };
  sessionStorage: { length: number; getItem(key: string): string | null };
  Chart: { getChart(id: string): ChartLike | undefined };
}

/** Everything the page reported or failed to load, tagged with the step it happened in. */
interface Trouble {
  step: string;
  kind: 'console' | 'pageerror' | 'requestfailed' | 'response' | 'foreign-request';
  text: string;
}

function watch(page: Page, baseUrl: string, step: () => string): Trouble[] {
  const troubles: Trouble[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warn') troubles.push({ step: step(), kind: 'console', text: `${message.type()}: ${message.text()} (${message.location().url ?? ''})` });
  });
  page.on('pageerror', (error) => troubles.push({ step: step(), kind: 'pageerror', text: error instanceof Error ? error.message : String(error) }));
  page.on('requestfailed', (request) => troubles.push({ step: step(), kind: 'requestfailed', text: `${request.url()} ${request.failure()?.errorText ?? ''}` }));
  page.on('request', (request) => {
    if (!request.url().startsWith(`${baseUrl}/`)) troubles.push({ step: step(), kind: 'foreign-request', text: request.url() });
  });
  page.on('response', (response) => {
    if (response.status() >= 400) troubles.push({ step: step(), kind: 'response', text: `${response.status()} ${response.url()}` });
  });
  return troubles;
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#token', { visible: true });
  await page.type('#token', token);
  await page.click('#login-form button[type="submit"]');
}

const tileNumber = (page: Page, tile: string) =>
  page.$eval(`[data-tile="${tile}"]`, (element) => Number((element.firstChild?.textContent ?? '').replace(/[^0-9.]/g, '') || 'NaN'));

/** `npm start` (embedded) and `npm run demo` as processes, then the operator's page in Debian's chromium. */
describe('the operator dashboard in a real browser, after `npm run demo` on the embedded profile', function () {
  this.timeout(420_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'beckn-ride-test-dashboard-'));
  let service: ServiceProcess;
  let adminToken: string;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(chromiumPath), `no chromium at ${chromiumPath}: run scripts/install-chromium.sh (or set CHROMIUM_PATH)`);
    service = await startEmbeddedDemoService(dataDir);
    adminToken = printedSecret(service, 'ADMIN_TOKEN');
    const demo = await runDemoProcess(service, dataDir);
    assert.equal(demo.code, 0, `${demo.stdout}\n${demo.stderr}\n--- service ---\n${service.output().slice(-4000)}`);
    // The demo's events reach the analytics asynchronously (outbox relay, periodic supply snapshots).
    let last = '';
    await waitFor(
      'the analytics summary shows the demo ride (searches) and idle drivers (supply)',
      async () => {
        const to = new Date(Date.now() + 60_000);
        const from = new Date(to.getTime() - 24 * 3_600_000);
        const query = new URLSearchParams({ city: 'std:080', from: from.toISOString(), to: to.toISOString() });
        const response = await fetch(`${service.baseUrl}/provider/analytics/summary?${query}`, { headers: { Authorization: `Bearer ${adminToken}` } });
        last = `${response.status} ${await response.text()}`;
        if (!response.ok) return undefined;
        const summary = JSON.parse(last.slice(4)) as AnalyticsSummary;
        return summary.totals.searches > 0 && (summary.supply.avg_idle_drivers ?? 0) > 0 ? summary : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last answer: ${last}\n--- service ---\n${service.output().slice(-4000)}`);
    });
    browser = await puppeteer.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
  });
  after(async () => {
    await browser?.close();
    await stopServiceProcess(service);
  });

  it('refuses a wrong admin token with a message and asks for the token again, keeping nothing', async () => {
    const page = await browser.newPage();
    let step = 'open';
    const troubles = watch(page, service.baseUrl, () => step);
    await page.goto(`${service.baseUrl}/dashboard`, { waitUntil: 'load' });
    step = 'wrong token';
    await signIn(page, `not-the-admin-token-${Date.now()}`);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById('login-error')?.textContent?.includes('401'), { timeout: 30_000 });
    assert.equal(await page.$eval('#login', (element) => (element as unknown as PageElement).hidden), false, 'the sign-in form is shown again');
    assert.equal(await page.$eval('#board', (element) => (element as unknown as PageElement).hidden), true, 'no analytics are shown');
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length), 0, 'the refused token is not kept');
    // The browser reports each refused API call (401) as a failed load; nothing else may go wrong.
    const unexpected = troubles.filter(
      (trouble) => !(trouble.step === 'wrong token' && ((trouble.kind === 'response' && trouble.text.startsWith('401 ')) || (trouble.kind === 'console' && trouble.text.includes('status of 401')))),
    );
    assert.deepEqual(unexpected, []);
    await page.close();
  });

  it('with the admin token shows the demand and supply in tiles, draws both charts and the cell heatmap, with no console error', async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    const troubles = watch(page, service.baseUrl, () => 'signed in');
    await page.goto(`${service.baseUrl}/dashboard`, { waitUntil: 'load' });
    await signIn(page, adminToken);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById('status')?.textContent?.startsWith('Updated'), { timeout: 30_000 });
    assert.equal(await page.$eval('#board-error', (element) => element.textContent), '');
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem('beckn-ride.admin-token')), adminToken, 'the token is kept for this tab');
    assert.ok(!page.url().includes(adminToken), 'the token never appears in the address');
    assert.equal(await page.$eval('#city', (element) => (element as unknown as PageElement).value), 'std:080', 'the city is the service default');

    assert.ok((await tileNumber(page, 'searches')) > 0, 'searches (demand) is not zero');
    assert.ok((await tileNumber(page, 'idle_drivers')) > 0, 'idle drivers (supply) is not zero');

    // No named functions inside: the test runner's transform would wrap them in a helper the page does not have.
    const [demand, conversion] = await page.evaluate((ids: string[]) => {
      const view = globalThis as unknown as PageGlobals;
      return ids.map((id) => {
        const chart = view.Chart.getChart(id);
        const canvas = view.document.getElementById(id)!;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0) inked += 1;
        const sums = chart ? chart.data.datasets.map((set) => ({ label: set.label, sum: set.data.reduce<number>((total, value) => total + (value ?? 0), 0) })) : null;
        return { sums, buckets: chart ? chart.data.labels.length : 0, inked };
      });
    }, ['chart-demand', 'chart-conversion']);
    const charts = { demand: demand!, conversion: conversion! };
    assert.ok(charts.demand.buckets >= 24 && charts.demand.buckets <= 25, `the last 24 hours in whole hourly buckets: ${charts.demand.buckets}`);
    assert.deepEqual(charts.demand.sums?.map((set) => set.label), ['Searches', 'Idle drivers']);
    assert.ok((charts.demand.sums ?? []).every((set) => set.sum > 0), `demand and supply are drawn: ${JSON.stringify(charts.demand)}`);
    assert.ok(charts.conversion.sums && charts.conversion.buckets === charts.demand.buckets, `the conversion chart has its buckets: ${JSON.stringify(charts.conversion)}`);
    assert.ok(charts.demand.inked > 1_000 && charts.conversion.inked > 1_000, `both canvases are drawn on: ${JSON.stringify(charts)}`);

    const cells = await page.$$eval('#heatmap path.leaflet-interactive', (paths) => paths.length);
    assert.ok(cells >= 1, 'the heatmap draws at least one cell');
    assert.equal(await page.$$eval('#heatmap img', (images) => images.length), 0, 'no map tiles are loaded');

    mkdirSync(join(root, 'test-output'), { recursive: true });
    await page.screenshot({ path: screenshotFile as `${string}.png`, fullPage: true });
    assert.deepEqual(troubles, []);
    await page.close();
  });
});
