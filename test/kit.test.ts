// The kit a FHIR server we do not front uses to enforce our tokens (src/kit), against the real
// service: a token issued for that server's own base (an extraAudiences entry).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmartEnforcer } from '../src/kit/index.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { GROWTH_CHART_REDIRECT, SECRETS, authorize, newLaunch } from './helpers/oauth.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { ehrLaunchToken } from './http/fhir-support.ts';
import { redeemGrowthChartCode } from './http/launch-support.ts';
import { revoke } from './http/token-lifecycle-support.ts';

const THEIR_BASE = 'https://their-fhir.example.org/r4';
const search = { interaction: 'search-type', resourceType: 'Observation', params: [['code', 'http://loinc.org|8867-4']] } as const;

describeEachDatabase('The enforcement kit for other FHIR servers', (kind) => {
  let server: TestServer;
  let theirs: string;
  beforeAll(async () => {
    server = await startTestServer(kind, { configure: (config) => void config.audiences.push(THEIR_BASE) });
    const launch = await newLaunch(server, { patient: 'p003', fhirUser: 'Practitioner/pr001', client_id: 'growth-chart' });
    const { redirect, verifier } = await authorize(server, {
      client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope: 'launch patient/*.rs', launch, aud: THEIR_BASE,
    });
    const res = await redeemGrowthChartCode(server, redirect.searchParams.get('code')!, verifier);
    theirs = ((await res.json()) as { access_token: string }).access_token;
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  const jwks = () => createSmartEnforcer({ issuer: server.config.issuer, fhirBaseUrl: THEIR_BASE });
  const introspecting = () =>
    createSmartEnforcer({
      issuer: server.config.issuer,
      fhirBaseUrl: THEIR_BASE,
      verify: { kind: 'introspection', clientId: 'fhir-server', clientSecret: SECRETS['fhir-server'] },
    });

  it('verifies the token by JWKS and gives the constraints to add to a search', async () => {
    expect(await jwks().decide(`Bearer ${theirs}`, search)).toMatchObject({
      allowed: true,
      via: 'patient',
      addToSearch: [['subject', 'Patient/p003']],
      filter: { all: [['subject', 'Patient/p003']], anyOf: [] },
    });
    expect(await jwks().decide(`Bearer ${theirs}`, { interaction: 'create', resourceType: 'Observation' })).toMatchObject({
      allowed: false,
      status: 403,
      wwwAuthenticate: expect.stringContaining('insufficient_scope'),
    });
  });

  it("refuses tokens for another audience (our own FHIR base's) and requests without a token", async () => {
    const ours = await ehrLaunchToken(server, 'launch patient/*.rs');
    expect(await jwks().decide(`Bearer ${ours}`, search)).toMatchObject({ allowed: false, status: 401 });
    expect(await introspecting().decide(`Bearer ${ours}`, search)).toMatchObject({ allowed: false, status: 401 });
    expect(await jwks().decide(undefined, search)).toMatchObject({ allowed: false, status: 401 });
  });

  it('sees a revocation at once by introspection; by JWKS only at expiry', async () => {
    expect(await introspecting().decide(`Bearer ${theirs}`, search)).toMatchObject({ allowed: true });
    expect((await revoke(server, { token: theirs })).status).toBe(200);
    expect(await introspecting().decide(`Bearer ${theirs}`, search)).toMatchObject({ allowed: false, status: 401 });
    expect(await jwks().decide(`Bearer ${theirs}`, search)).toMatchObject({ allowed: true });
  });
});

describe('the kit without the service', () => {
  it('refuses a malformed Authorization header without calling anyone', async () => {
    const enforcer = createSmartEnforcer({ issuer: 'http://127.0.0.1:9', fhirBaseUrl: THEIR_BASE });
    expect(await enforcer.decide('Basic abc', search)).toMatchObject({ allowed: false, status: 401, error: 'invalid_token' });
  });
});
