import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.ts';
import { SECRETS, authorize, basic, registerLaunch } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { clientConfig, expectOAuthError, growthChartParams, refuseServerErrors } from './launch-support.ts';

refuseServerErrors();

const OTHER_REGISTRAR_SECRET = 'other-registrar-secret-0123456789abcdef';
const integrator = () => ({ authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) });
const otherRegistrar = () => ({ authorization: basic('other-ehr', OTHER_REGISTRAR_SECRET) });

describeEachDatabase('Launches API', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, {
      configure: (config) => {
        config.clients.push(
          clientConfig({ id: 'other-ehr', type: 'confidential-symmetric', secret: OTHER_REGISTRAR_SECRET, roles: ['launch-registrar'] }),
        );
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = (body: unknown, headers: Record<string, string> = integrator(), contentType = 'application/json') =>
    fetch(`${server.baseUrl}/launches`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const launchUrl = (launch: string) => `${server.baseUrl}/launches/${encodeURIComponent(launch)}`;

  it('registers a launch for an app and answers 201 with the launch, its expiry and the app launch URL', async () => {
    const before = Date.now();
    const res = await post({ patient: 'p001', encounter: 'e001', client_id: 'growth-chart', expires_in: 120 });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { launch: string; expires_at: string; launch_url: string };
    expect(body.launch).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const expiresAt = Date.parse(body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 119_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 121_000);
    const url = new URL(body.launch_url);
    expect(`${url.origin}${url.pathname}`).toBe('https://growth-chart.example.org/launch');
    expect(url.searchParams.get('iss')).toBe(server.config.fhirBaseUrl);
    expect(url.searchParams.get('launch')).toBe(body.launch);
  });

  it('gives no launch_url when the launch names no app', async () => {
    const res = await post({ patient: 'p001' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.launch).toEqual(expect.any(String));
    expect(body).not.toHaveProperty('launch_url');
  });

  it('reads a launch back for the registrar that registered it, and for no other', async () => {
    const created = (await (
      await post({ patient: 'p001', encounter: 'e002', fhirUser: 'Practitioner/pr002', client_id: 'growth-chart', intent: 'review' })
    ).json()) as { launch: string; expires_at: string };

    const res = await fetch(launchUrl(created.launch), { headers: integrator() });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({
      status: 'active',
      patient: 'p001',
      encounter: 'e002',
      fhirUser: 'Practitioner/pr002',
      client_id: 'growth-chart',
      intent: 'review',
      need_patient_banner: true,
      expires_at: created.expires_at,
    });

    await expectOAuthError(await fetch(launchUrl(created.launch), { headers: otherRegistrar() }), 404, 'not_found');
    await expectOAuthError(await fetch(launchUrl('no-such-launch'), { headers: integrator() }), 404, 'not_found');
  });

  it('cancels a launch with DELETE, after which the app cannot authorize with it', async () => {
    const { launch } = (await (await post({ patient: 'p001', client_id: 'growth-chart' })).json()) as { launch: string };
    // Another registrar cannot cancel it.
    await expectOAuthError(await fetch(launchUrl(launch), { method: 'DELETE', headers: otherRegistrar() }), 404, 'not_found');

    const res = await fetch(launchUrl(launch), { method: 'DELETE', headers: integrator() });
    expect(res.status).toBe(204);
    const read = await fetch(launchUrl(launch), { headers: integrator() });
    expect(((await read.json()) as { status: string }).status).toBe('cancelled');
    await expectOAuthError(await fetch(launchUrl(launch), { method: 'DELETE', headers: integrator() }), 404, 'not_found');

    const { redirect } = await authorize(server, growthChartParams(launch, { state: 'cancelled-1' }));
    expect(redirect.searchParams.get('error')).toBe('invalid_request');
    expect(redirect.searchParams.get('state')).toBe('cancelled-1');
    expect(redirect.searchParams.has('code')).toBe(false);
  });

  it('refuses an unauthenticated caller with 401 invalid_client', async () => {
    const res = await post({ patient: 'p001' }, {});
    await expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    await expectOAuthError(await fetch(launchUrl('x')), 401, 'invalid_client');
    await expectOAuthError(await post({ patient: 'p001' }, { authorization: basic('ehr-integrator', 'wrong-secret') }), 401, 'invalid_client');
  });

  it('refuses a client without the launch-registrar role with 403', async () => {
    const res = await post({ patient: 'p001' }, { authorization: basic('growth-chart', SECRETS['growth-chart']) });
    expect(res.status).toBe(403);
    const read = await fetch(launchUrl('x'), { headers: { authorization: basic('growth-chart', SECRETS['growth-chart']) } });
    expect(read.status).toBe(403);
  });

  it.each([
    ['an unknown patient', { patient: 'no-such-patient' }],
    ['an unknown encounter', { patient: 'p001', encounter: 'no-such-encounter' }],
    ['an encounter of another patient', { patient: 'p001', encounter: 'e004' }],
    ['an unknown app', { patient: 'p001', client_id: 'no-such-app' }],
    ['an app that cannot be launched (a backend service)', { patient: 'p001', client_id: 'bulk-exporter' }],
    ['a fhirContext item with none of reference, canonical or identifier', { patient: 'p001', fhirContext: [{ type: 'Observation' }] }],
    ['a Patient in fhirContext without a role', { patient: 'p001', fhirContext: [{ reference: 'Patient/p001' }] }],
    ['fhirContext as strings (SMART 2.0)', { patient: 'p001', fhirContext: ['DiagnosticReport/dr001'] }],
    ['expires_in above the maximum', { patient: 'p001', expires_in: 3601 }],
    ['a PractitionerRole fhirUser', { patient: 'p001', fhirUser: 'PractitionerRole/x' }],
    ['an unknown member', { patient: 'p001', patient_id: 'p001' }],
    ['a JSON array', [{ patient: 'p001' }]],
  ])('refuses %s with 400 invalid_request', async (_name, body) => {
    await expectOAuthError(await post(body), 400, 'invalid_request');
  });

  it("takes the patient from the encounter when only the encounter is given", async () => {
    const { launch } = (await (await post({ encounter: 'Encounter/e007' })).json()) as { launch: string };
    const res = await fetch(launchUrl(launch), { headers: integrator() });
    expect(await res.json()).toMatchObject({ patient: 'p004', encounter: 'e007' });
  });

  it('accepts a Patient in fhirContext when it has a role other than launch', async () => {
    const res = await post({
      patient: 'p001',
      fhirContext: [{ reference: 'Patient/p002', role: 'https://example.org/roles/sibling' }, { canonical: 'https://example.org/Questionnaire/q|1' }],
    });
    expect(res.status).toBe(201);
  });

  it('refuses a body that is not JSON with 400 invalid_request', async () => {
    await expectOAuthError(await post('patient=p001', integrator(), 'application/x-www-form-urlencoded'), 400, 'invalid_request');
    await expectOAuthError(await post('{"patient": ', integrator()), 400, 'invalid_request');
  });
});
