import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// A real browser through the developer launcher and the sample SMART app: Debian's chromium,
// driven by playwright-core. Screenshots of each page go to test-artifacts/.

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = path.resolve('test-artifacts');
const hasChromium = existsSync(CHROMIUM);

if (!hasChromium && process.env.CI === 'true') {
  describe('browser tests', () => {
    it('need chromium', () => {
      throw new Error(`${CHROMIUM} is missing: CI must run .ci/install-chromium before the tests`);
    });
  });
} else if (!hasChromium) {
  console.warn(`\n*** ${CHROMIUM} is missing: the browser tests are SKIPPED (install it with .ci/install-chromium) ***\n`);
  describe.skip(`browser tests [SKIPPED: ${CHROMIUM} missing]`, () => {
    it('launcher -> sample app', () => {});
  });
} else {
  describe('In a browser: launcher and sample app', () => {
    let server: TestServer;
    let browser: Browser;
    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      server = await startTestServer('pglite', {
        // The default config registers the sample app at localhost:3000; here it lives on the test origin.
        configure: (config) => {
          const app = config.clients.find((c) => c.id === 'sample-app')!;
          app.redirectUris = [`${config.issuer}/sample-app/`];
          app.launchUri = `${config.issuer}/sample-app/launch.html`;
        },
      });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    /** A fresh page that records script errors, CSP violations and failed loads, none of which may happen. */
    async function newPage(): Promise<{ page: Page; problems: string[] }> {
      const page = await (await browser.newContext()).newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // Failed loads are reported with their URL below.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
      });
      page.on('response', (response) => {
        const url = new URL(response.url());
        if (response.status() >= 400 && url.pathname !== '/favicon.ico') problems.push(`${response.status()} ${url.pathname}`);
      });
      return { page, problems };
    }

    const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

    it('launches the sample app from /launcher and shows a token for the chosen patient', async () => {
      const { page, problems } = await newPage();
      await page.goto(`${server.baseUrl}/launcher`);
      await page.selectOption('select[name=client_id]', 'sample-app');
      await page.selectOption('select[name=user]', 'dr-carter');
      await page.selectOption('select[name=patient]', 'p002');
      await page.selectOption('select[name=encounter]', 'e004');
      await shot(page, 'ehr-1-launcher');
      await page.click('form#launch button[type=submit]');

      // launch.html discovers the server, makes the PKCE pair and sends the browser to /authorize.
      // The launch names the practitioner, so there is no sign-in unless the server asks.
      await page.waitForURL(/\/(consent|login)$/);
      if (page.url().endsWith('/login')) throw new Error('the launcher named the practitioner: no sign-in expected');
      expect(await page.textContent('#patient-name')).toBe('John Smith');
      await shot(page, 'ehr-2-consent');
      await page.click('button[value=approve]');

      await page.locator('#result').waitFor({ state: 'visible', timeout: 15_000 });
      await shot(page, 'ehr-3-sample-app');
      expect(await page.textContent('#patient')).toBe('p002');
      expect(await page.textContent('#encounter')).toBe('e004');
      const response = JSON.parse((await page.textContent('#token-response'))!) as Record<string, unknown>;
      expect(response).toMatchObject({ token_type: 'Bearer', patient: 'p002', need_patient_banner: true });
      expect(JSON.parse((await page.textContent('#access-token-claims'))!)).toMatchObject({ patient: 'p002', client_id: 'sample-app' });
      expect(new URL(page.url()).search).toBe(''); // the app dropped the code from the address bar
      expect(problems).toEqual([]);
    }, 90_000);

    it('runs a standalone launch from the sample app: sign-in, patient and encounter pickers, consent', async () => {
      const { page, problems } = await newPage();
      await page.goto(`${server.baseUrl}/sample-app/`);
      await shot(page, 'standalone-1-sample-app');
      await page.click('#standalone-launch');

      await page.waitForURL(/\/login$/);
      await page.fill('input[name=username]', 'dr.carter');
      await page.fill('input[name=password]', 'carter-demo');
      await shot(page, 'standalone-2-login');
      await page.click('button[type=submit]');

      await page.waitForURL(/\/select-patient/);
      await page.fill('input[name=q]', 'garcia');
      await page.click('form#search button[type=submit]');
      await page.waitForURL(/q=garcia/);
      await shot(page, 'standalone-3-select-patient');
      await page.click('button[name=patient][value=p004]');

      await page.waitForURL(/\/select-encounter$/);
      await shot(page, 'standalone-4-select-encounter');
      await page.click('button[name=encounter][value=e007]');

      await page.waitForURL(/\/consent$/);
      expect(await page.textContent('#patient-name')).toBe('José Luis García');
      await shot(page, 'standalone-5-consent');
      await page.click('button[value=approve]');

      await page.locator('#result').waitFor({ state: 'visible', timeout: 15_000 });
      await shot(page, 'standalone-6-sample-app');
      expect(await page.textContent('#patient')).toBe('p004');
      expect(await page.textContent('#encounter')).toBe('e007');
      expect(problems).toEqual([]);
    }, 90_000);
  });
}
