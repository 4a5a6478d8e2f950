import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.ts';
import {
  GROWTH_CHART_REDIRECT,
  SECRETS,
  authorize,
  basic,
  decodeJwt,
  newLaunch,
  postToken,
} from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describeEachDatabase('EHR launch', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  const growthChartAuth = () => ({ authorization: basic('growth-chart', SECRETS['growth-chart']) });

  it('registers a launch, authorizes with consent, and returns the context at the top level of the token response', async () => {
    const launch = await newLaunch(server, {
      patient: 'p001',
      encounter: 'e001',
      fhirUser: 'Practitioner/pr001',
      smart_style_url: 'https://ehr.example.org/style.json',
      fhirContext: [{ reference: 'DiagnosticReport/dr001' }],
      intent: 'reconcile-medications',
      client_id: 'growth-chart',
    });
    const { redirect, verifier } = await authorize(server, {
      client_id: 'growth-chart',
      redirect_uri: GROWTH_CHART_REDIRECT,
      scope: 'launch openid fhirUser patient/*.rs',
      launch,
      state: 'abc-123',
      nonce: 'n-1',
    });
    expect(redirect.searchParams.get('state')).toBe('abc-123');
    const code = redirect.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const res = await postToken(
      server,
      { grant_type: 'authorization_code', code, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier },
      growthChartAuth(),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      patient: 'p001',
      encounter: 'e001',
      need_patient_banner: true,
      smart_style_url: 'https://ehr.example.org/style.json',
      fhirContext: [{ reference: 'DiagnosticReport/dr001' }],
      intent: 'reconcile-medications',
    });
    expect(typeof body.expires_in).toBe('number');
    expect(String(body.scope).split(' ').sort()).toEqual(['fhirUser', 'launch', 'openid', 'patient/*.rs']);

    const jwks = createRemoteJWKSet(new URL(`${server.baseUrl}/jwks`));
    const { payload } = await jwtVerify(String(body.access_token), jwks, { issuer: server.config.issuer, audience: server.config.fhirBaseUrl });
    expect(payload).toMatchObject({ patient: 'p001', encounter: 'e001', client_id: 'growth-chart', sub: 'dr-carter' });
    const id = await jwtVerify(String(body.id_token), jwks, { issuer: server.config.issuer, audience: 'growth-chart' });
    expect(id.protectedHeader.alg).toBe('RS256');
    expect(id.payload).toMatchObject({ fhirUser: `${server.config.fhirBaseUrl}/Practitioner/pr001`, nonce: 'n-1' });
    expect(decodeJwt(String(body.access_token)).roles).toEqual(['physician', 'cardiology']);
  });
});

describe('placeholder to keep vitest happy when suites skip', () => {
  it('runs', () => expect(true).toBe(true));
});
