import { importJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FormBrowser } from '../../conformance/browser.ts';
import { CLIENT_PRIVATE_KEYS, type FixtureKid } from '../helpers/assertions.ts';
import { GROWTH_CHART_REDIRECT, sampleAppRedirect, SECRETS, newLaunch } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Whole flows through the pages: generous on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

// oauth4webapi 3 (the strict low-level library) as it comes: every check at its default, over HTTPS.
describe('oauth4webapi 3 against the service', () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { https: true });
    const issuer = new URL(server.config.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2' }));
  }, 180_000); // starting the service is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
  });

  const privateKeyJwt = async (kid: FixtureKid) => {
    const jwk = CLIENT_PRIVATE_KEYS[kid];
    return oauth.PrivateKeyJwt({ key: (await importJWK(jwk, jwk.alg)) as oauth.CryptoKey, kid });
  };
  const resourceServer = { client: { client_id: 'fhir-server' }, auth: oauth.ClientSecretBasic(SECRETS['fhir-server']) };
  const introspect = async (token: string) => {
    const res = await oauth.introspectionRequest(as, resourceServer.client, resourceServer.auth, token);
    return oauth.processIntrospectionResponse(as, resourceServer.client, res);
  };

  async function codeFlow(c: oauth.Client, auth: oauth.ClientAuth, redirectUri: string, params: Record<string, string>, user?: { username: string; password: string }) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    const all = { client_id: c.client_id, response_type: 'code', redirect_uri: redirectUri, state, nonce, aud: server.config.fhirBaseUrl,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...params };
    for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
    const callback = await new FormBrowser().authorize(url, { ...user, redirectUri });
    const response = await oauth.authorizationCodeGrantRequest(as, c, auth, oauth.validateAuthResponse(as, c, callback, state), redirectUri, verifier);
    const result = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: nonce, requireIdToken: true });
    return { result, claims: oauth.getValidatedIdTokenClaims(result)! };
  }

  it('discovers introspection and revocation endpoints from RFC 8414 metadata', () => {
    expect(as).toMatchObject({ introspection_endpoint: `${server.config.issuer}/introspect`, revocation_endpoint: `${server.config.issuer}/revoke` });
    expect(as.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
  });

  it('EHR launch, symmetric client: code + PKCE, id_token, userinfo, refresh, introspection, revocation', async () => {
    const c = { client_id: 'growth-chart' };
    const auth = oauth.ClientSecretBasic(SECRETS['growth-chart']);
    const launch = await newLaunch(server, { patient: 'p003', fhirUser: 'Practitioner/pr002' });
    const { result, claims } = await codeFlow(c, auth, GROWTH_CHART_REDIRECT, { scope: 'launch openid fhirUser offline_access patient/*.rs', launch });
    expect(result).toMatchObject({ patient: 'p003', need_patient_banner: true });
    expect(claims.fhirUser).toBe(`${server.config.fhirBaseUrl}/Practitioner/pr002`);

    const info = await oauth.processUserInfoResponse(as, c, claims.sub, await oauth.userInfoRequest(as, c, result.access_token));
    expect(info.fhirUser).toBe(claims.fhirUser);

    const refreshed = await oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, result.refresh_token!));
    expect(refreshed.patient).toBe('p003');
    expect(await introspect(refreshed.access_token)).toMatchObject({ active: true, client_id: 'growth-chart', patient: 'p003' });

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, c, auth, refreshed.refresh_token!));
    expect(await introspect(refreshed.access_token)).toEqual({ active: false });
  });

  it('standalone launch, public client, practitioner picks a patient', async () => {
    const c = { client_id: 'sample-app', token_endpoint_auth_method: 'none' };
    const { result } = await codeFlow(c, oauth.None(), sampleAppRedirect(server), { scope: 'launch/patient openid fhirUser patient/*.rs' }, { username: 'dr.carter', password: 'carter-demo' });
    expect(result.patient).toEqual(expect.any(String));
    expect(await introspect(result.access_token)).toMatchObject({ active: true, patient: result.patient });
  });

  it('private_key_jwt with the library default assertion, for a code flow, refresh and client_credentials', async () => {
    const cardio = { client_id: 'cardio-risk' };
    const auth = await privateKeyJwt('cardio-risk-es384-1');
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'cardio-risk' });
    const { result } = await codeFlow(cardio, auth, 'https://cardio.example.org/callback', { scope: 'launch openid fhirUser offline_access patient/*.rs', launch });
    const refreshed = await oauth.processRefreshTokenResponse(as, cardio, await oauth.refreshTokenGrantRequest(as, cardio, auth, result.refresh_token!));
    expect(refreshed.patient).toBe('p001');

    const bulk = { client_id: 'bulk-exporter' };
    const backend = await oauth.processClientCredentialsResponse(as, bulk,
      await oauth.clientCredentialsGrantRequest(as, bulk, await privateKeyJwt('bulk-exporter-rs384-1'), { scope: 'system/Observation.rs' }));
    expect(backend).toMatchObject({ token_type: 'bearer', scope: 'system/Observation.rs' });
    expect(await introspect(backend.access_token)).toMatchObject({ active: true, client_id: 'bulk-exporter' });
  });
});
