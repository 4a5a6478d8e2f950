import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestBrowser, readForm } from '../helpers/browser.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import {
  GROWTH_CHART_REDIRECT,
  sampleAppRedirect,
  SECRETS,
  authorize,
  authorizeUrl,
  basic,
  decodeJwt,
  newLaunch,
  pkce,
  postToken,
  registerLaunch,
} from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { growthChartAuth, growthChartParams, redeemGrowthChartCode, refuseServerErrors } from './launch-support.ts';

refuseServerErrors();

const sorted = (scope: unknown) => String(scope).split(' ').sort();

describeEachDatabase('EHR launch', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Starts an authorization request in a fresh browser and follows it to the first page (or back to the app). */
  const startFlow = async (params: Parameters<typeof authorizeUrl>[1]) => {
    const browser = new TestBrowser(server.baseUrl);
    const { verifier, challenge } = pkce();
    const step = await browser.follow(await browser.get(authorizeUrl(server, { state: 'st-flow', code_challenge: challenge, ...params })));
    return { browser, step, verifier, path: new URL(step.url).pathname };
  };

  it('registers a launch, authorizes with consent, and returns the context at the top level of the token response', async () => {
    const registered = await registerLaunch(server, {
      patient: 'p001',
      encounter: 'e001',
      fhirUser: 'Practitioner/pr001',
      smart_style_url: 'https://ehr.example.org/style.json',
      fhirContext: [{ reference: 'DiagnosticReport/dr001' }, { canonical: 'https://example.org/Questionnaire/phq-9|1.0', type: 'Questionnaire' }],
      intent: 'reconcile-medications',
      tenant: 'hospital-a',
      need_patient_banner: false,
      client_id: 'growth-chart',
    });
    expect(registered.status).toBe(201);
    const { launch, launch_url } = (await registered.json()) as { launch: string; launch_url: string };
    // The app is opened at its launch URL with iss (exactly the FHIR base) and launch.
    expect(new URL(launch_url).searchParams.get('iss')).toBe(server.config.fhirBaseUrl);

    const { redirect, verifier } = await authorize(server, growthChartParams(launch, { state: 'abc-123', nonce: 'n-1' }));
    expect(`${redirect.origin}${redirect.pathname}`).toBe(GROWTH_CHART_REDIRECT);
    expect(redirect.searchParams.get('state')).toBe('abc-123');
    const code = redirect.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const res = await redeemGrowthChartCode(server, code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      patient: 'p001',
      encounter: 'e001',
      need_patient_banner: false,
      smart_style_url: 'https://ehr.example.org/style.json',
      fhirContext: [{ reference: 'DiagnosticReport/dr001' }, { canonical: 'https://example.org/Questionnaire/phq-9|1.0', type: 'Questionnaire' }],
      intent: 'reconcile-medications',
      tenant: 'hospital-a',
      expires_in: server.config.tokens.accessTokenLifetimeSeconds,
    });
    expect(sorted(body.scope)).toEqual(['fhirUser', 'launch', 'openid', 'patient/*.rs']);
    // No offline_access or online_access asked: no refresh token.
    expect(body).not.toHaveProperty('refresh_token');

    const jwks = createRemoteJWKSet(new URL(`${server.baseUrl}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(String(body.access_token), jwks, {
      issuer: server.config.issuer,
      audience: server.config.fhirBaseUrl,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({
      patient: 'p001',
      encounter: 'e001',
      client_id: 'growth-chart',
      sub: 'dr-carter',
      fhirUser: `${server.config.fhirBaseUrl}/Practitioner/pr001`,
    });
    expect(sorted(payload.scope)).toEqual(sorted(body.scope));
    const id = await jwtVerify(String(body.id_token), jwks, { issuer: server.config.issuer, audience: 'growth-chart' });
    expect(id.protectedHeader.alg).toBe('RS256');
    expect(id.payload).toMatchObject({ sub: 'dr-carter', fhirUser: `${server.config.fhirBaseUrl}/Practitioner/pr001`, nonce: 'n-1' });
    expect(decodeJwt(String(body.access_token)).roles).toEqual(['physician', 'cardiology']);
  });

  it('shows the patient by name on the consent page', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const { step, path } = await startFlow(growthChartParams(launch));
    expect(path).toBe('/consent');
    const form = readForm(await step.res.text());
    expect(form.root.querySelector('#patient-name')?.text).toBe('Amy Shaw');
    expect(form.checkboxes.sort()).toEqual(['fhirUser', 'openid', 'patient/*.rs']);
  });

  it('grants only the scopes the user left ticked', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const { redirect, verifier } = await authorize(server, growthChartParams(launch), { untick: ['patient/*.rs', 'openid'] });
    const res = await redeemGrowthChartCode(server, redirect.searchParams.get('code')!, verifier);
    const body = (await res.json()) as Record<string, unknown>;
    expect(sorted(body.scope)).toEqual(['fhirUser', 'launch']);
    expect(body).not.toHaveProperty('id_token');
  });

  it('grants nothing the app did not ask for, even when a forged consent form adds it', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const { browser, step, verifier } = await startFlow(growthChartParams(launch, { scope: 'launch patient/Observation.rs' }));
    const form = readForm(await step.res.text());
    const forged = { ...form.fields, scope: ['patient/Observation.rs', 'user/Patient.rs', 'offline_access'], decision: 'approve' };
    const back = await browser.follow(await browser.post(form.action, forged));
    const res = await redeemGrowthChartCode(server, new URL(back.leftTo!).searchParams.get('code')!, verifier);
    const body = (await res.json()) as Record<string, unknown>;
    expect(sorted(body.scope)).toEqual(['launch', 'patient/Observation.rs']);
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('gives no code when the EHR cancels the launch while the user is still deciding', async () => {
    const registered = await registerLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const { launch } = (await registered.json()) as { launch: string };
    const { browser, step } = await startFlow(growthChartParams(launch, { state: 'cancel-mid-flow' }));
    const form = readForm(await step.res.text());
    const cancelled = await fetch(`${server.baseUrl}/launches/${launch}`, {
      method: 'DELETE',
      headers: { authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) },
    });
    expect(cancelled.status).toBe(204);
    const back = await browser.follow(await browser.post(form.action, { ...form.fields, decision: 'approve' }));
    const redirect = new URL(back.leftTo!);
    expect(redirect.searchParams.get('error')).toBe('invalid_request');
    expect(redirect.searchParams.get('state')).toBe('cancel-mid-flow');
    expect(redirect.searchParams.has('code')).toBe(false);
  });

  it('sends access_denied with the state back to the app when the user denies', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const { redirect } = await authorize(server, growthChartParams(launch, { state: 'deny-me' }), { deny: true });
    expect(`${redirect.origin}${redirect.pathname}`).toBe(GROWTH_CHART_REDIRECT);
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe('deny-me');
    expect(redirect.searchParams.has('code')).toBe(false);
  });

  it('skips consent for a trusted client: the browser comes straight back with a code', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'cardio-risk' });
    const { step } = await startFlow({
      client_id: 'cardio-risk',
      redirect_uri: 'https://cardio.example.org/callback',
      scope: 'launch openid fhirUser patient/*.rs',
      launch,
      state: 'trusted',
    });
    expect(step.leftTo).toBeDefined();
    const redirect = new URL(step.leftTo!);
    expect(redirect.searchParams.get('code')).toBeTruthy();
    expect(redirect.searchParams.get('state')).toBe('trusted');
  });

  it('narrows what a public app asks for to what it may have: patient/*.cruds becomes patient/*.rs', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'sample-app' });
    const { redirect, verifier } = await authorize(server, {
      client_id: 'sample-app',
      redirect_uri: sampleAppRedirect(server),
      scope: 'launch patient/*.cruds',
      launch,
    });
    const res = await postToken(server, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: sampleAppRedirect(server),
      code_verifier: verifier,
      client_id: 'sample-app',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { scope: string; access_token: string };
    expect(sorted(body.scope)).toEqual(['launch', 'patient/*.rs']);
    expect(sorted(decodeJwt(body.access_token).scope)).toEqual(['launch', 'patient/*.rs']);
  });

  it('asks the user to sign in when the launch names no fhirUser, and issues the token for the signed-in user', async () => {
    const launch = await newLaunch(server, { patient: 'p001', client_id: 'growth-chart' });
    const { path } = await startFlow(growthChartParams(launch));
    expect(path).toBe('/login');

    const login = { username: 'dr.carter', password: 'carter-demo' };
    const { redirect, verifier } = await authorize(server, growthChartParams(launch), { login });
    const res = await redeemGrowthChartCode(server, redirect.searchParams.get('code')!, verifier);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; id_token: string };
    expect(decodeJwt(body.access_token)).toMatchObject({ sub: 'dr-carter', fhirUser: `${server.config.fhirBaseUrl}/Practitioner/pr001` });
    expect(decodeJwt(body.id_token)).toMatchObject({ sub: 'dr-carter' });
  });

  it('allows a CORS preflight to /token from a registered app origin, and from no other', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.baseUrl}/token`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight(server.baseUrl);
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(server.baseUrl);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');

    const refused = await preflight('https://evil.example.org');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("lets a public app read its token response cross-origin, but not another app's", async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'sample-app' });
    const { redirect, verifier } = await authorize(server, { client_id: 'sample-app', redirect_uri: sampleAppRedirect(server), scope: 'launch patient/*.rs', launch });
    const res = await postToken(
      server,
      { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: sampleAppRedirect(server), code_verifier: verifier, client_id: 'sample-app' },
      { origin: server.baseUrl },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(server.baseUrl);

    // growth-chart's redirect URIs are not on localhost:3000: a page there gets no CORS access to its tokens.
    const growth = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const flow = await authorize(server, growthChartParams(growth));
    const confidential = await postToken(
      server,
      { grant_type: 'authorization_code', code: flow.redirect.searchParams.get('code')!, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: flow.verifier },
      { ...growthChartAuth(), origin: server.baseUrl },
    );
    expect(confidential.status).toBe(200);
    expect(confidential.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves discovery and the JWKS to any origin', async () => {
    for (const path of ['/.well-known/smart-configuration', '/.well-known/openid-configuration', '/jwks']) {
      const res = await fetch(`${server.baseUrl}${path}`, { headers: { origin: 'https://any-app.example.org' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('audits the launch, the consent and the redemption with client and patient, and never records a secret', async () => {
    const registered = await registerLaunch(server, { patient: 'p003', encounter: 'e005', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const { launch } = (await registered.json()) as { launch: string };
    const { redirect, verifier } = await authorize(server, growthChartParams(launch, { scope: 'launch openid fhirUser offline_access patient/*.rs' }));
    const code = redirect.searchParams.get('code')!;
    const res = await redeemGrowthChartCode(server, code, verifier);
    const tokens = (await res.json()) as { access_token: string; id_token: string; refresh_token: string };
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const rows = await server.deps.db.selectFrom('audit_events').selectAll().where('patient', '=', 'p003').orderBy('id').execute();
    expect(rows.map((r) => ({ event: r.event, client: r.client_id, patient: r.patient }))).toEqual([
      { event: 'launch.registered', client: 'ehr-integrator', patient: 'p003' },
      { event: 'consent.given', client: 'growth-chart', patient: 'p003' },
      { event: 'code.redeemed', client: 'growth-chart', patient: 'p003' },
    ]);

    const everything = JSON.stringify(await server.deps.db.selectFrom('audit_events').selectAll().execute());
    for (const secret of [code, launch, verifier, tokens.access_token, tokens.id_token, tokens.refresh_token]) expect(everything).not.toContain(secret);
    // Nor a recognisable part of a token (its signature).
    expect(everything).not.toContain(tokens.access_token.split('.')[2]);
  });
});
