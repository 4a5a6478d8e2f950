import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newLaunch } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Whole flows through the pages: generous on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const BUNDLE = readFileSync(path.resolve('node_modules/fhirclient/build/fhir-client.js'), 'utf8');

/** A browser app on its own origin, as SMART apps are: fhirclient's browser bundle, a launch page and a page that reads the patient and refreshes. */
const PAGES: Record<string, string> = {
  '/fhir-client.js': BUNDLE,
  '/launch.html': `<!doctype html><script src="fhir-client.js"></script><script>
    FHIR.oauth2.authorize({ clientId: 'sample-app', scope: new URLSearchParams(location.search).get('scope'), redirectUri: 'index.html' });
  </script>`,
  '/index.html': `<!doctype html><script src="fhir-client.js"></script><script>
    FHIR.oauth2.ready()
      .then(async (client) => {
        const patient = await client.request('Patient/' + client.patient.id);
        const before = client.state.tokenResponse.access_token;
        await client.refresh();
        window.result = { patient: patient.id, encounter: client.encounter.id, fhirUser: client.getFhirUser(),
          banner: client.state.tokenResponse.need_patient_banner, refreshed: client.state.tokenResponse.access_token !== before };
      })
      .catch((error) => { window.result = { error: String(error) }; });
  </script>`,
};

const describeIfChromium = existsSync(CHROMIUM) || process.env.CI === 'true' ? describe : describe.skip;

describeIfChromium("fhirclient's browser bundle in Chromium against the service", () => {
  let server: TestServer;
  let app: Server;
  let appUrl: string;
  let browser: Browser;
  beforeAll(async () => {
    app = createServer((req, res) => {
      const page = PAGES[new URL(req.url ?? '/', 'http://app').pathname];
      if (!page) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': req.url?.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(page);
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    server = await startTestServer('pglite', {
      configure: (config) => void config.clients.find((c) => c.id === 'sample-app')!.redirectUris.push(`${appUrl}/index.html`),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  }, 180_000); // starting the service is slow on a loaded machine
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    app?.closeAllConnections();
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
  });

  async function run(query: Record<string, string>, signIn?: { username: string; password: string }) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${appUrl}/launch.html?${new URLSearchParams(query)}`);
    if (signIn) {
      await page.waitForURL(/\/login/);
      await page.fill('input[name=username]', signIn.username);
      await page.fill('input[name=password]', signIn.password);
      await page.click('button[type=submit]');
    }
    await page.waitForURL(/\/consent/);
    await page.click('button[value=approve]');
    await page.waitForFunction(() => (globalThis as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 60_000 });
    const result = await page.evaluate(() => (globalThis as unknown as { result: Record<string, unknown> }).result);
    await page.context().close();
    return result;
  }

  it('EHR launch: reads the patient cross-origin and refreshes', async () => {
    const launch = await newLaunch(server, { patient: 'p001', encounter: 'e001', fhirUser: 'Practitioner/pr001', client_id: 'sample-app' });
    const result = await run({ iss: server.config.fhirBaseUrl, launch, scope: 'launch openid fhirUser online_access patient/*.rs' });
    expect(result).toEqual({ patient: 'p001', encounter: 'e001', fhirUser: 'Practitioner/pr001', banner: true, refreshed: true });
  });

  it('standalone launch: the patient user signs in, reads her record and refreshes', async () => {
    const result = await run({ iss: server.config.fhirBaseUrl, scope: 'launch/patient openid fhirUser offline_access patient/*.rs' }, { username: 'amy', password: 'amy-demo' });
    expect(result).toMatchObject({ patient: 'p001', fhirUser: 'Patient/p001', refreshed: true });
  });
});
