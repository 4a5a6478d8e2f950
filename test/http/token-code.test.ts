import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.ts';
import { GROWTH_CHART_REDIRECT, sampleAppRedirect, SECRETS, authorize, basic, decodeJwt, newLaunch, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { getGrant } from '../../src/store/grants.ts';
import { grantIdOfJti } from '../../src/store/revocations.ts';
import { setUserDisabled } from '../../src/store/users.ts';
import {
  clientConfig,
  expectOAuthError,
  growthChartAuth,
  growthChartCode,
  redeemGrowthChartCode,
  refuseServerErrors,
} from './launch-support.ts';

refuseServerErrors();

/** A secret that form-encoding changes: ':' '+' '%' '/' '&' '=' and a space. */
const ODD_SECRET = 'odd:secret+with%2Fslash/and&more=1 234567890';
const ODD_REDIRECT = 'https://odd.example.org/callback';

describeEachDatabase('Token endpoint: authorization_code', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, {
      configure: (config) => {
        config.clients.push(
          clientConfig({
            id: 'odd-secret-app',
            type: 'confidential-symmetric',
            secret: ODD_SECRET,
            redirectUris: [ODD_REDIRECT],
            scope: 'launch patient/*.rs',
            grantTypes: ['authorization_code'],
            consent: 'trusted',
          }),
        );
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** POST /introspect as the FHIR server. */
  const introspect = async (token: string) => {
    const res = await fetch(`${server.baseUrl}/introspect`, {
      method: 'POST',
      headers: { authorization: basic('fhir-server', SECRETS['fhir-server']), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };

  const form = (code: string, verifier: string, redirectUri = GROWTH_CHART_REDIRECT) => ({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });

  it('refuses a code_verifier that does not match the code_challenge', async () => {
    const { code, verifier } = await growthChartCode(server);
    const wrong = `${verifier.slice(0, -1)}${verifier.endsWith('A') ? 'B' : 'A'}`;
    await expectOAuthError(await redeemGrowthChartCode(server, code, wrong), 400, 'invalid_grant');
    await expectOAuthError(await redeemGrowthChartCode(server, code, 'too-short'), 400, 'invalid_grant');
    await expectOAuthError(await postToken(server, { grant_type: 'authorization_code', code, redirect_uri: GROWTH_CHART_REDIRECT }, growthChartAuth()), 400, 'invalid_request');
  });

  it('refuses a code whose user was disabled between consent and redemption', async () => {
    const { code, verifier } = await growthChartCode(server);
    await setUserDisabled(server.deps.db, 'dr-carter', true);
    try {
      await expectOAuthError(await postToken(server, form(code, verifier), growthChartAuth()), 400, 'invalid_grant');
    } finally {
      await setUserDisabled(server.deps.db, 'dr-carter', false);
    }
  });

  it('refuses a redirect_uri other than the one of the authorization request', async () => {
    const { code, verifier } = await growthChartCode(server);
    await expectOAuthError(await redeemGrowthChartCode(server, code, verifier, { redirect_uri: 'http://127.0.0.1:8765/callback' }), 400, 'invalid_grant');
  });

  it('refuses a code issued to another client', async () => {
    const { code, verifier } = await growthChartCode(server);
    const res = await postToken(server, { ...form(code, verifier), client_id: 'sample-app' });
    await expectOAuthError(res, 400, 'invalid_grant');
  });

  it('refuses a code redeemed twice and revokes what the first redemption issued', async () => {
    const { code, verifier } = await growthChartCode(server, { scope: 'launch openid fhirUser offline_access patient/*.rs' });
    const first = await redeemGrowthChartCode(server, code, verifier);
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as { access_token: string; refresh_token: string };
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, client_id: 'growth-chart', patient: 'p001' });

    await expectOAuthError(await redeemGrowthChartCode(server, code, verifier), 400, 'invalid_grant');

    const grantId = grantIdOfJti(String(decodeJwt(tokens.access_token).jti));
    const grant = await getGrant(server.deps.db, grantId);
    expect(grant).toMatchObject({ clientId: 'growth-chart', revokedReason: 'authorization code replayed' });
    expect(grant!.revokedAt).toBeInstanceOf(Date);
    // One row revokes the grant: its refresh token is refused, its access token inactive.
    await expectOAuthError(
      await postToken(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, growthChartAuth()),
      400,
      'invalid_grant',
    );

    expect(await introspect(tokens.access_token)).toEqual({ active: false });
  });

  it('lets exactly one of 20 parallel redemptions of one code succeed', async () => {
    const { code, verifier } = await growthChartCode(server);
    const answers = await Promise.all(Array.from({ length: 20 }, () => redeemGrowthChartCode(server, code, verifier)));
    const bodies = (await Promise.all(answers.map((res) => res.json()))) as Array<Record<string, unknown>>;
    expect(answers.filter((res) => res.status === 200)).toHaveLength(1);
    const refused = answers.map((res, i) => ({ status: res.status, error: bodies[i]!.error })).filter((a) => a.status !== 200);
    expect(refused).toEqual(Array.from({ length: 19 }, () => ({ status: 400, error: 'invalid_grant' })));
  });

  it('refuses a wrong client secret with 401 invalid_client and a WWW-Authenticate challenge', async () => {
    const { code, verifier } = await growthChartCode(server);
    const res = await postToken(server, form(code, verifier), { authorization: basic('growth-chart', 'not-the-secret') });
    await expectOAuthError(res, 401, 'invalid_client');
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    // The code was not spent by the failed attempt.
    expect((await redeemGrowthChartCode(server, code, verifier)).status).toBe(200);
  });

  it('accepts client_secret_post', async () => {
    const { code, verifier } = await growthChartCode(server);
    const res = await postToken(server, { ...form(code, verifier), client_id: 'growth-chart', client_secret: SECRETS['growth-chart'] });
    expect(res.status).toBe(200);
    expect(decodeJwt(((await res.json()) as { access_token: string }).access_token).client_id).toBe('growth-chart');
  });

  it('accepts HTTP Basic credentials form-encoded (RFC 6749) and raw (as SMART clients send them)', async () => {
    const oddCode = async () => {
      const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'odd-secret-app' });
      const { redirect, verifier } = await authorize(server, { client_id: 'odd-secret-app', redirect_uri: ODD_REDIRECT, scope: 'launch patient/*.rs', launch });
      return { code: redirect.searchParams.get('code')!, verifier };
    };
    const encoded = `Basic ${Buffer.from(`odd-secret-app:${encodeURIComponent(ODD_SECRET)}`).toString('base64')}`;
    const raw = `Basic ${Buffer.from(`odd-secret-app:${ODD_SECRET}`).toString('base64')}`;
    for (const authorization of [encoded, raw]) {
      const { code, verifier } = await oddCode();
      const res = await postToken(server, form(code, verifier, ODD_REDIRECT), { authorization });
      expect(res.status).toBe(200);
    }
    const { code, verifier } = await oddCode();
    const wrong = `Basic ${Buffer.from(`odd-secret-app:${ODD_SECRET.replace('+', ' ')}`).toString('base64')}`;
    await expectOAuthError(await postToken(server, form(code, verifier, ODD_REDIRECT), { authorization: wrong }), 401, 'invalid_client');
  });

  it('accepts a public client identified by client_id in the body, with no secret', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'sample-app' });
    const { redirect, verifier } = await authorize(server, { client_id: 'sample-app', redirect_uri: sampleAppRedirect(server), scope: 'launch patient/*.rs', launch });
    const code = redirect.searchParams.get('code')!;
    const res = await postToken(server, { ...form(code, verifier, sampleAppRedirect(server)), client_id: 'sample-app' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { patient: string; scope: string };
    expect(body.patient).toBe('p001');
    expect(body.scope.split(' ').sort()).toEqual(['launch', 'patient/*.rs']);
  });

  it('refuses a public client that sends no client_id with 401 invalid_client', async () => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'sample-app' });
    const { redirect, verifier } = await authorize(server, { client_id: 'sample-app', redirect_uri: sampleAppRedirect(server), scope: 'launch patient/*.rs', launch });
    const res = await postToken(server, form(redirect.searchParams.get('code')!, verifier, sampleAppRedirect(server)));
    await expectOAuthError(res, 401, 'invalid_client');
  });

  it('refuses a confidential client that sends only its client_id', async () => {
    const { code, verifier } = await growthChartCode(server);
    await expectOAuthError(await postToken(server, { ...form(code, verifier), client_id: 'growth-chart' }), 401, 'invalid_client');
  });

  it('refuses a request without grant_type with 400 invalid_request', async () => {
    const { code, verifier } = await growthChartCode(server);
    const { grant_type: _omitted, ...rest } = form(code, verifier);
    await expectOAuthError(await postToken(server, rest, growthChartAuth()), 400, 'invalid_request');
  });

  it('refuses a JSON body with 400 invalid_request', async () => {
    const { code, verifier } = await growthChartCode(server);
    const res = await fetch(`${server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...growthChartAuth() },
      body: JSON.stringify(form(code, verifier)),
    });
    await expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses an unsupported grant_type with 400 unsupported_grant_type', async () => {
    for (const grantType of ['password', 'implicit', 'toString', '__proto__']) {
      const res = await postToken(server, { grant_type: grantType, username: 'dr.carter', password: 'carter-demo' }, growthChartAuth());
      await expectOAuthError(res, 400, 'unsupported_grant_type');
    }
  });

  it('refuses a repeated parameter', async () => {
    const { code, verifier } = await growthChartCode(server);
    const body = new URLSearchParams(form(code, verifier));
    body.append('code', code);
    const res = await fetch(`${server.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...growthChartAuth() },
      body: body.toString(),
    });
    await expectOAuthError(res, 400, 'invalid_request');
  });
});

describeEachDatabase('Token endpoint: code lifetime', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, { configure: (config) => void (config.tokens.codeLifetimeSeconds = 1) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses an expired code with invalid_grant', async () => {
    const { code, verifier } = await growthChartCode(server);
    await sleep(1200);
    await expectOAuthError(await redeemGrowthChartCode(server, code, verifier), 400, 'invalid_grant');
  });
});
