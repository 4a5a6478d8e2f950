import { execFileSync } from 'node:child_process';
import { parse } from 'node-html-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser, readForm } from '../helpers/browser.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { GROWTH_CHART_REDIRECT, SECRETS, authorize, basic, decodeJwt, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// /launcher: a simulated EHR. Off unless launcher.enabled; a signed-in user with the launch role
// launches apps as themselves, through registerLaunch (as POST /launches does).

const CARTER = { username: 'dr.carter', password: 'carter-demo' };
const AMY = { username: 'amy', password: 'amy-demo' };

describeEachDatabase('Launcher (simulated EHR)', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  const launchCount = async () => Number((await server.deps.db.selectFrom('launches').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  /** Signs in at the launcher and returns the browser and the launch form. */
  async function signedIn(login = CARTER, tab = '') {
    const browser = new TestBrowser(server.baseUrl);
    const signIn = readForm(await (await browser.get('/launcher')).text(), 'form#sign-in');
    const res = await browser.post('/launcher/sign-in', { ...signIn.fields, ...login });
    expect(res.status).toBe(303);
    const page = await (await browser.get(`/launcher${tab}`)).text();
    return { browser, page, form: tab ? undefined : readForm(page, 'form#launch') };
  }

  async function launch(choice: Record<string, string | string[]>, login = CARTER) {
    const { browser, form } = await signedIn(login);
    return { browser, res: await browser.post('/launcher', { ...form!.fields, open_in: 'window', ...choice }) };
  }

  async function tokenFor(launchUrl: string, scope = 'launch openid fhirUser patient/*.rs') {
    const launchValue = new URL(launchUrl).searchParams.get('launch')!;
    const { redirect, verifier } = await authorize(server, { client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope, launch: launchValue });
    const res = await postToken(
      server,
      { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier },
      { authorization: basic('growth-chart', SECRETS['growth-chart']) },
    );
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  const options = (html: string, name: string) =>
    parse(html).querySelectorAll(`select[name="${name}"] option`).map((o) => ({ value: o.getAttribute('value'), patient: o.getAttribute('data-patient'), selected: o.hasAttribute('selected') }));

  it('gives an anonymous caller the sign-in page and no launch, so no token', async () => {
    const anonymous = new TestBrowser(server.baseUrl);
    const page = await (await anonymous.get('/launcher')).text();
    expect(parse(page).querySelector('form#launch')).toBeNull();
    const signIn = readForm(page, 'form#sign-in');
    const before = await launchCount();
    const res = await anonymous.post('/launcher', { csrf: String(signIn.fields.csrf), client_id: 'growth-chart', patient: 'p003', open_in: 'window' });
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    expect(await launchCount()).toBe(before);
    // A wrong password is the same sign-in failure as at /login.
    expect((await anonymous.post('/launcher/sign-in', { ...signIn.fields, username: 'dr.carter', password: 'wrong' })).status).toBe(401);
  });

  it('refuses a user without the launch role, and ends the session it started', async () => {
    const browser = new TestBrowser(server.baseUrl);
    const signIn = readForm(await (await browser.get('/launcher')).text(), 'form#sign-in');
    const res = await browser.post('/launcher/sign-in', { ...signIn.fields, username: 'carla', password: 'carla-demo' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('roles');
    expect(parse(await (await browser.get('/launcher')).text()).querySelector('form#sign-in')).not.toBeNull();
  });

  it('offers the apps, p001 by default, a no-patient launch, and each encounter marked with its patient', async () => {
    const { page } = await signedIn();
    expect(parse(page).querySelector('#signed-in-user')?.text).toBe('dr.carter');
    expect(options(page, 'client_id').map((o) => o.value)).toEqual(expect.arrayContaining(['sample-app', 'growth-chart', 'cardio-risk', '(ad-hoc)']));
    const patients = options(page, 'patient');
    expect(patients.find((o) => o.selected)?.value).toBe('p001');
    expect(patients[0]!.value).toBe('');
    const encounters = options(page, 'encounter').filter((o) => o.value);
    expect(encounters.find((o) => o.value === 'e004')?.patient).toBe('p002');
    expect(encounters.every((o) => o.patient)).toBe(true);
  });

  it('launches as the signed-in practitioner with the context fields, all the way into the token', async () => {
    const { res } = await launch({
      client_id: 'growth-chart', patient: 'p002', encounter: 'e004', fhir_context: 'DiagnosticReport/dr001', intent: 'reconcile-medications',
      smart_style_url: 'https://ehr.example.org/style.json', tenant: 'hospital-a', extra: '{"tenant": "hospital-a"}',
      need_patient_banner: [], // unticked
    });
    expect(res.status).toBe(303);
    const target = new URL(res.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe('https://growth-chart.example.org/launch');
    expect(target.searchParams.get('iss')).toBe(server.config.fhirBaseUrl);
    const audit = await server.deps.db.selectFrom('audit_events').selectAll().where('event', '=', 'launch.registered').execute();
    expect(audit.at(-1)).toMatchObject({ client_id: 'ehr-integrator', patient: 'p002', user_id: 'Practitioner/pr001' });
    const token = await tokenFor(target.toString());
    expect(token).toMatchObject({
      patient: 'p002', encounter: 'e004', fhirContext: [{ reference: 'DiagnosticReport/dr001' }], intent: 'reconcile-medications',
      smart_style_url: 'https://ehr.example.org/style.json', tenant: 'hospital-a', need_patient_banner: false,
    });
    expect(decodeJwt(token.access_token as string)).toMatchObject({ sub: 'dr-carter', tenant: 'hospital-a', patient: 'p002' });
  });

  it('launches without a patient', async () => {
    const { res } = await launch({ client_id: 'growth-chart', patient: '', encounter: '' });
    const token = await tokenFor(res.headers.get('location')!, 'launch openid fhirUser user/Patient.rs');
    expect(token.patient).toBeUndefined();
    expect(token.scope).toContain('user/Patient.rs');
  });

  it("keeps every choice and says what is wrong when the encounter is not the patient's", async () => {
    const { res } = await launch({ client_id: 'growth-chart', patient: 'p002', encounter: 'e001', intent: 'keep-me' });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(parse(page).querySelector('#launch-error')?.text).toContain('Encounter/e001 is not an encounter of Patient/p002');
    expect(options(page, 'patient').find((o) => o.selected)?.value).toBe('p002');
    expect(readForm(page, 'form#launch').fields.intent).toBe('keep-me');
  });

  it('launches a Patient user from the patient portal, as that patient', async () => {
    const { page } = await signedIn(AMY);
    expect(parse(page).querySelector('select[name=patient]')).toBeNull();
    expect(options(page, 'encounter').filter((o) => o.value).every((o) => o.patient === 'p001')).toBe(true);
    const { res } = await launch({ client_id: 'growth-chart', patient: 'p003' }, AMY); // the portal ignores another patient
    const token = await tokenFor(res.headers.get('location')!);
    expect(token.patient).toBe('p001');
    expect(decodeJwt(token.id_token as string)).toMatchObject({ fhirUser: `${server.config.fhirBaseUrl}/Patient/p001` });
  });

  it('refuses a post from another origin or site even with the CSRF cookie and token', async () => {
    const { browser, form } = await signedIn();
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const body = new URLSearchParams({ ...(form!.fields as Record<string, string>), client_id: 'growth-chart', open_in: 'window' }).toString();
    const post = (headers: Record<string, string>) =>
      fetch(`${server.baseUrl}/launcher`, { method: 'POST', redirect: 'manual', body, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect((await post({ origin: 'https://evil.example', 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ cookie: cookie.replace(/smart_launch_launcher_csrf=[^;]+/, 'smart_launch_launcher_csrf=planted') })).status).toBe(400);
    expect((await post({ origin: new URL(server.baseUrl).origin, 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  it('registers an ad-hoc app as a temporary client and launches it', async () => {
    const { res } = await launch({
      client_id: '(ad-hoc)', adhoc_client_id: 'my-adhoc-app', adhoc_launch_uri: 'http://127.0.0.1:9/launch',
      adhoc_redirect_uris: 'http://127.0.0.1:9/callback', patient: 'p001',
    });
    expect(res.status).toBe(303);
    const target = new URL(res.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe('http://127.0.0.1:9/launch');
    const row = await server.deps.db.selectFrom('clients').selectAll().where('id', '=', 'my-adhoc-app').executeTakeFirstOrThrow();
    expect(row.sandbox_expires_at).not.toBeNull();
    const { redirect } = await authorize(server, {
      client_id: 'my-adhoc-app', redirect_uri: 'http://127.0.0.1:9/callback', scope: 'launch patient/*.rs', launch: target.searchParams.get('launch')!,
    });
    expect(redirect.searchParams.get('code')).toBeTruthy();
    // A registered client's id is never taken over.
    const taken = await launch({ client_id: '(ad-hoc)', adhoc_client_id: 'growth-chart', adhoc_launch_uri: 'http://127.0.0.1:9/x', adhoc_redirect_uris: 'http://127.0.0.1:9/cb' });
    expect(taken.res.status).toBe(400);
  });

  it('opens the app in an EHR frame under a patient banner', async () => {
    const { browser, form } = await signedIn();
    const res = await browser.post('/launcher', { ...form!.fields, client_id: 'sample-app', patient: 'p002', open_in: 'frame' });
    expect(res.status).toBe(200);
    const root = parse(await res.text());
    expect(root.querySelector('#banner-name')?.text).toBe('John Smith');
    const src = new URL(root.querySelector('#app-frame')!.getAttribute('src')!);
    expect(`${src.origin}${src.pathname}`).toBe(`${server.config.issuer}/sample-app/launch.html`);
    expect(src.searchParams.get('launch')).toBeTruthy();
  });

  it('gives a backend-services recipe that works as written', async () => {
    const { page } = await signedIn(CARTER, '?tab=backend');
    const root = parse(page);
    const recipe = root.querySelector('#assertion-recipe')!.text;
    expect(recipe).toContain('bulk-exporter');
    const script = /-e "([\s\S]*)" > assertion\.jwt/.exec(recipe)![1]!;
    const assertion = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
    const curl = root.querySelector('#curl-recipe')!.text;
    const scope = /scope=(\S+)/.exec(curl)![1]!;
    const res = await postToken(server, {
      grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', scope });
  });

  describe('simulated errors (sandbox mode)', () => {
    async function simulatedLaunch(simulate: string) {
      const { res } = await launch({ client_id: 'growth-chart', patient: 'p001', simulate });
      return new URL(res.headers.get('location')!).searchParams.get('launch')!;
    }
    async function codeFor(launchValue: string) {
      const { redirect, verifier } = await authorize(server, { client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope: 'launch patient/*.rs', launch: launchValue });
      const form = { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier };
      return () => postToken(server, form, { authorization: basic('growth-chart', SECRETS['growth-chart']) });
    }

    it('redirects an invalid_scope error back to the app', async () => {
      const { redirect } = await authorize(server, { client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope: 'launch', launch: await simulatedLaunch('invalid_scope'), state: 'keep' });
      expect(redirect.searchParams.get('error')).toBe('invalid_scope');
      expect(redirect.searchParams.get('state')).toBe('keep');
    });

    it('refuses the code as expired, and plays a token endpoint that is down', async () => {
      const expired = await (await codeFor(await simulatedLaunch('expired_code')))();
      expect(expired.status).toBe(400);
      expect(await expired.json()).toMatchObject({ error: 'invalid_grant' });
      const down = await (await codeFor(await simulatedLaunch('token_unavailable')))();
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBeTruthy();
      expect(await down.json()).toMatchObject({ error: 'temporarily_unavailable' });
    });

    it('answers FHIR requests with 401 for the tokens of that launch', async () => {
      const res = await (await codeFor(await simulatedLaunch('fhir_unauthorized')))();
      const { access_token } = (await res.json()) as { access_token: string };
      const fhir = await fetch(`${server.config.fhirBaseUrl}/Patient/p001`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(fhir.status).toBe(401);
      expect(fhir.headers.get('www-authenticate')).toMatch(/invalid_token/);
    });
  });
});

describe('Launcher switched off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { configure: (config) => void (config.launcher = { enabled: false, allowInProduction: false, simulatedErrors: false }) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves no launcher, and the home page says it is off', async () => {
    expect((await fetch(`${server.baseUrl}/launcher`)).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/launcher/sign-in`, { method: 'POST' })).status).toBe(404);
    const about = (await (await fetch(`${server.baseUrl}/`, { headers: { accept: 'application/json' } })).json()) as Record<string, unknown>;
    expect(about.launcher).toBe(false);
  });
});
