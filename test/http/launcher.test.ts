import { parse } from 'node-html-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestBrowser, readForm } from '../helpers/browser.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { GROWTH_CHART_REDIRECT, SECRETS, authorize, basic, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// /launcher: a developer's EHR stand-in that registers an EHR launch and opens the app's launch URL.

describeEachDatabase('Launcher and sample app', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  async function launcherForm() {
    const browser = new TestBrowser(server.baseUrl);
    const res = await browser.get('/launcher');
    expect(res.status).toBe(200);
    const text = await res.text();
    return { browser, text, form: readForm(text, 'form#launch') };
  }

  const options = (text: string, name: string) =>
    parse(text).querySelectorAll(`select[name="${name}"] option`).map((o) => o.getAttribute('value'));

  it('offers the apps that have a launch URL, the practitioners, the patients and their encounters', async () => {
    const { text } = await launcherForm();
    expect(options(text, 'client_id').sort()).toEqual(['cardio-risk', 'growth-chart', 'sample-app']);
    expect(options(text, 'user').sort()).toEqual(['dr-carter', 'nurse-lee']);
    expect(options(text, 'patient')).toHaveLength(12);
    expect(options(text, 'encounter').sort()).toEqual(['', 'e001', 'e002', 'e003', 'e004', 'e005', 'e006', 'e007', 'e008']);
  });

  it('registers an EHR launch and opens the app with iss and launch; the launch carries the choice into the token', async () => {
    const { browser, form } = await launcherForm();
    const res = await browser.post('/launcher', { ...form.fields, client_id: 'growth-chart', user: 'dr-carter', patient: 'p002', encounter: 'e004' });
    expect(res.status).toBe(303);
    const target = new URL(res.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe('https://growth-chart.example.org/launch');
    expect(target.searchParams.get('iss')).toBe(server.config.fhirBaseUrl);
    const launch = target.searchParams.get('launch')!;
    expect(launch.length).toBeGreaterThan(20);

    const audit = await server.deps.db.selectFrom('audit_events').selectAll().where('event', '=', 'launch.registered').execute();
    expect(audit.at(-1)).toMatchObject({ client_id: 'ehr-integrator', patient: 'p002', user_id: 'Practitioner/pr001' });

    // The EHR vouched for the practitioner: no sign-in, straight to consent.
    const { redirect, verifier } = await authorize(server, {
      client_id: 'growth-chart',
      redirect_uri: GROWTH_CHART_REDIRECT,
      scope: 'launch openid fhirUser patient/*.rs',
      launch,
    });
    const token = await postToken(
      server,
      { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier },
      { authorization: basic('growth-chart', SECRETS['growth-chart']) },
    );
    expect(await token.json()).toMatchObject({ patient: 'p002', encounter: 'e004', need_patient_banner: true });
  });

  it('refuses a launch without the CSRF cookie, or with a token that does not match it', async () => {
    const { browser, form } = await launcherForm();
    const choice = { client_id: 'growth-chart', user: 'dr-carter', patient: 'p002', encounter: '' };
    const stranger = new TestBrowser(server.baseUrl);
    expect((await stranger.post('/launcher', { ...form.fields, ...choice })).status).toBe(400);
    expect((await browser.post('/launcher', { ...form.fields, ...choice, csrf: 'forged' })).status).toBe(400);
    const { csrf: _csrf, ...withoutToken } = form.fields;
    expect((await browser.post('/launcher', { ...withoutToken, ...choice })).status).toBe(400);
    expect((await browser.post('/launcher', { ...form.fields, ...choice })).status).toBe(303);
  });

  it('refuses choices that are not on offer with a 400 page', async () => {
    const { browser, form } = await launcherForm();
    const good = { client_id: 'growth-chart', user: 'dr-carter', patient: 'p002', encounter: '' };
    for (const bad of [
      { client_id: 'ehr-integrator' }, // no launch URL
      { client_id: 'no-such-app' },
      { user: 'amy-shaw' }, // a Patient, not a practitioner
      { patient: 'p999' },
      { patient: '../p001' },
      { encounter: 'e001' }, // Amy's, not John's
      { encounter: 'e999' },
    ]) {
      const res = await browser.post('/launcher', { ...form.fields, ...good, ...bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }
  });

  it('serves the sample app as static files under the CSP (no inline script)', async () => {
    for (const page of ['/sample-app/', '/sample-app/launch.html']) {
      const res = await fetch(`${server.baseUrl}${page}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      const scripts = parse(await res.text()).querySelectorAll('script');
      expect(scripts.map((s) => s.getAttribute('src'))).toEqual(['app.js']);
      expect(scripts.every((s) => s.text.trim() === '')).toBe(true);
    }
    const script = await fetch(`${server.baseUrl}/sample-app/app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });
});
