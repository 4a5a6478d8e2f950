import { importJWK } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FormBrowser } from '../../conformance/browser.ts';
import { CLIENT_PRIVATE_KEYS, type FixtureKid } from '../helpers/assertions.ts';
import { GROWTH_CHART_REDIRECT, sampleAppRedirect, SECRETS, newLaunch } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Whole flows through the pages: generous on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

// openid-client 6 (a certified relying party) as it comes: every check at its default, over HTTPS.
describe('openid-client 6 against the service', () => {
  let server: TestServer;
  let issuer: URL;
  beforeAll(async () => {
    server = await startTestServer('pglite', { https: true });
    issuer = new URL(server.config.issuer);
  }, 180_000); // starting the service is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
  });

  const privateKey = async (kid: FixtureKid) => {
    const jwk = CLIENT_PRIVATE_KEYS[kid];
    return { key: (await importJWK(jwk, jwk.alg)) as client.CryptoKey, kid };
  };
  const growthChart = () => client.discovery(issuer, 'growth-chart', undefined, client.ClientSecretBasic(SECRETS['growth-chart']));
  const resourceServer = () => client.discovery(issuer, 'fhir-server', undefined, client.ClientSecretBasic(SECRETS['fhir-server']));

  /** code + PKCE (+ nonce and state) through the real pages; returns the validated token response. */
  async function codeFlow(config: client.Configuration, redirectUri: string, params: Record<string, string>, user?: { username: string; password: string }) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      aud: server.config.fhirBaseUrl,
      ...params,
    });
    const callback = await new FormBrowser().authorize(url, { ...user, redirectUri });
    return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  }

  it('discovers from the OpenID configuration and from RFC 8414 metadata alike', async () => {
    for (const algorithm of ['oidc', 'oauth2'] as const) {
      const config = await client.discovery(issuer, 'growth-chart', SECRETS['growth-chart'], undefined, { algorithm });
      const metadata = config.serverMetadata();
      expect(metadata.issuer).toBe(server.config.issuer);
      expect(metadata.introspection_endpoint).toBe(`${server.config.issuer}/introspect`);
      expect(metadata.revocation_endpoint).toBe(`${server.config.issuer}/revoke`);
      expect(metadata.supportsPKCE()).toBe(true);
    }
  });

  it('EHR launch, confidential symmetric client: code + PKCE, id_token, userinfo, refresh, introspection, revocation', async () => {
    const config = await growthChart();
    client.enableNonRepudiationChecks(config); // also verify the id_token's signature against jwks_uri
    const launch = await newLaunch(server, { patient: 'p001', encounter: 'e001', fhirUser: 'Practitioner/pr001' });
    const tokens = await codeFlow(config, GROWTH_CHART_REDIRECT, { scope: 'launch openid fhirUser offline_access patient/*.rs', launch });
    expect(tokens).toMatchObject({ token_type: 'bearer', patient: 'p001', encounter: 'e001', need_patient_banner: true });
    const claims = tokens.claims()!;
    expect(claims.fhirUser).toBe(`${server.config.fhirBaseUrl}/Practitioner/pr001`);

    expect(await client.fetchUserInfo(config, tokens.access_token, claims.sub)).toMatchObject({ sub: claims.sub, fhirUser: claims.fhirUser });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.patient).toBe('p001');
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const rs = await resourceServer();
    expect(await client.tokenIntrospection(rs, refreshed.access_token)).toMatchObject({ active: true, client_id: 'growth-chart', patient: 'p001' });
    await client.tokenRevocation(config, refreshed.refresh_token!);
    expect(await client.tokenIntrospection(rs, refreshed.refresh_token!)).toEqual({ active: false });
    expect(await client.tokenIntrospection(rs, refreshed.access_token)).toEqual({ active: false });
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('standalone launch, public client: the patient user signs in, picks an encounter, and gets her own context', async () => {
    const config = await client.discovery(issuer, 'sample-app', undefined, client.None());
    const tokens = await codeFlow(config, sampleAppRedirect(server), { scope: 'launch/patient openid fhirUser online_access patient/*.rs' }, { username: 'amy', password: 'amy-demo' });
    expect(tokens.patient).toBe('p001');
    expect(tokens.claims()!.fhirUser).toBe(`${server.config.fhirBaseUrl}/Patient/p001`);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.scope).toBe(tokens.scope);
    await client.tokenRevocation(config, refreshed.access_token);
    expect(await client.tokenIntrospection(await resourceServer(), refreshed.access_token)).toEqual({ active: false });
  });

  it('private_key_jwt with the library default assertion (aud = issuer), RS384 and ES384, for a code flow and for revocation', async () => {
    for (const kid of ['cardio-risk-rs384-1', 'cardio-risk-es384-1'] as const) {
      const config = await client.discovery(issuer, 'cardio-risk', undefined, client.PrivateKeyJwt(await privateKey(kid)));
      const launch = await newLaunch(server, { patient: 'p002', fhirUser: 'Practitioner/pr001', client_id: 'cardio-risk' });
      const tokens = await codeFlow(config, 'https://cardio.example.org/callback', { scope: 'launch openid fhirUser offline_access patient/*.rs', launch });
      expect(tokens.patient).toBe('p002');
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      await client.tokenRevocation(config, refreshed.refresh_token!);
      expect(await client.tokenIntrospection(await resourceServer(), refreshed.refresh_token!)).toEqual({ active: false });
    }
  });

  it('backend service: client_credentials with private_key_jwt', async () => {
    const config = await client.discovery(issuer, 'bulk-exporter', undefined, client.PrivateKeyJwt(await privateKey('bulk-exporter-es384-1')));
    const tokens = await client.clientCredentialsGrant(config, { scope: 'system/Patient.rs' });
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'system/Patient.rs' });
    expect(tokens.expires_in).toBeGreaterThan(0);
    expect(tokens.refresh_token).toBeUndefined();
    expect(await client.tokenIntrospection(await resourceServer(), tokens.access_token)).toMatchObject({ active: true, sub: 'bulk-exporter' });
  });
});
