import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// A real browser through the simulated EHR (/launcher) and the sample SMART app: Debian's chromium,
// driven by playwright-core. The service runs on a random port with the shipped smart-config/
// ({issuer} placeholders), once with the issuer on 127.0.0.1 and once on localhost, and the
// browser opens the other name. Screenshots of each page go to test-artifacts/ (not committed).

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
/** Generous: a loaded 2-core machine runs the whole suite beside this. */
const STEP = { timeout: 30_000 };

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
  describe('In a browser: simulated EHR, sample app, FHIR read and refresh', () => {
    let browser: Browser;
    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** A fresh page that records script errors, CSP violations and failed loads, none of which may happen. */
    async function newPage(): Promise<{ page: Page; problems: string[] }> {
      const page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(STEP.timeout);
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
      });
      page.on('response', (response) => {
        const url = new URL(response.url());
        if (response.status() >= 400 && url.pathname !== '/favicon.ico') problems.push(`${response.status()} ${url.pathname}`);
      });
      return { page, problems };
    }

    const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

    /** The sample app's result: FHIR read done, tokens shown; then one refresh, and the FHIR read again. */
    async function checkSampleApp(app: Frame | Page, patientId: string, patientName: string) {
      await app.locator('#result').waitFor({ state: 'visible', ...STEP });
      expect(await app.textContent('#patient')).toBe(patientId);
      await app.locator('#fhir-status[data-state=ok]').waitFor(STEP);
      expect(await app.textContent('#patient-name')).toBe(patientName);
      expect(await app.locator('#observations li').count()).toBeGreaterThan(0);
      expect(await app.textContent('#id-token-times')).toContain('signed in (auth_time)');
      expect(await app.textContent('#access-token-times')).toMatch(/expires \(exp\).*in (59|60) min/);
      const before = JSON.parse((await app.textContent('#token-response'))!) as Record<string, string>;
      await app.click('#refresh');
      await app.locator('#refresh-count').filter({ hasText: 'Refreshed 1 time' }).waitFor(STEP);
      const after = JSON.parse((await app.textContent('#token-response'))!) as Record<string, string>;
      expect(after.refresh_token).not.toBe(before.refresh_token);
      expect(after.patient).toBe(patientId);
      await app.locator('#fhir-status[data-state=ok]').waitFor(STEP);
      return after;
    }

    for (const issuerHost of ['127.0.0.1', 'localhost'] as const) {
      const otherHost = issuerHost === 'localhost' ? '127.0.0.1' : 'localhost';

      describe(`issuer on ${issuerHost}, browser opening ${otherHost}`, () => {
        let server: TestServer;
        let opened: string;
        beforeAll(async () => {
          server = await startTestServer('pglite', { issuerHost });
          opened = server.config.issuer.replace(issuerHost, otherHost);
        });
        afterAll(async () => {
          await server?.close();
        });

        it('signs in to the launcher, launches the sample app in the EHR frame with context, reads FHIR data, refreshes', async () => {
          const { page, problems } = await newPage();
          await page.goto(`${opened}/launcher`);
          expect(new URL(page.url()).origin).toBe(server.config.issuer); // one origin for cookies and redirect URIs
          await shot(page, `${issuerHost}-ehr-1-sign-in`);
          await page.fill('input[name=username]', 'dr.carter');
          await page.fill('input[name=password]', 'carter-demo');
          await page.click('form#sign-in button[type=submit]');

          await page.locator('form#launch').waitFor(STEP);
          expect(await page.inputValue('select[name=patient]')).toBe('p001');
          await page.selectOption('select[name=client_id]', 'sample-app');
          await page.selectOption('select[name=patient]', 'p002');
          // Encounters follow the chosen patient: p001's e001 is no longer offered.
          expect(await page.locator('select[name=encounter] option[value=e001]').isDisabled()).toBe(true);
          await page.selectOption('select[name=encounter]', 'e004');
          await page.click('details summary');
          await page.fill('input[name=intent]', 'reconcile-medications');
          await page.fill('input[name=tenant]', 'hospital-a');
          await page.fill('textarea[name=fhir_context]', 'DiagnosticReport/dr001');
          await shot(page, `${issuerHost}-ehr-2-launcher`);
          await page.click('#launch-button');

          await page.locator('#patient-banner').waitFor(STEP);
          expect(await page.textContent('#banner-name')).toBe('John Smith');
          const app = page.frameLocator('#app-frame');
          await app.locator('button[value=approve]').waitFor(STEP);
          await shot(page, `${issuerHost}-ehr-3-consent-in-frame`);
          await app.locator('button[value=approve]').click();
          const frame = (await (await page.$('#app-frame'))!.contentFrame())!;
          await frame.waitForURL(/\/sample-app\/$/, STEP);
          const tokens = await checkSampleApp(frame, 'p002', 'John Smith');
          expect(tokens).toMatchObject({ encounter: 'e004', intent: 'reconcile-medications', tenant: 'hospital-a', fhirContext: [{ reference: 'DiagnosticReport/dr001' }] });
          await shot(page, `${issuerHost}-ehr-4-sample-app-in-frame`);
          expect(problems).toEqual([]);
        }, 120_000);

        it('runs a standalone launch of the sample app as a patient, reads her record, refreshes', async () => {
          const { page, problems } = await newPage();
          await page.goto(`${opened}/sample-app/`);
          expect(new URL(page.url()).origin).toBe(server.config.issuer);
          await page.click('#standalone-launch');
          await page.waitForURL(/\/login$/, STEP);
          await page.fill('input[name=username]', 'amy');
          await page.fill('input[name=password]', 'amy-demo');
          await page.click('button[type=submit]');
          // Amy is the patient (no patient picker); the sample app asks for launch/encounter.
          await page.waitForURL(/\/select-encounter$/, STEP);
          await page.click('button[name=encounter][value=e001]');
          await page.waitForURL(/\/consent$/, STEP);
          await page.click('button[value=approve]');
          await checkSampleApp(page, 'p001', 'Amy Shaw');
          await shot(page, `${issuerHost}-standalone-sample-app`);
          expect(problems).toEqual([]);
        }, 120_000);
      });
    }
  });
}
