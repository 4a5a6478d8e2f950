import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScopes } from '../../src/scopes/index.ts';
import { registerLaunch } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

type SmartConfiguration = Record<string, unknown> & {
  capabilities: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
};

describe('discovery', () => {
  let server: TestServer;
  let doc: SmartConfiguration;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    doc = (await (await fetch(`${server.baseUrl}/.well-known/smart-configuration`)).json()) as SmartConfiguration;
  });
  afterAll(async () => {
    await server?.close();
  });

  const status = async (method: string, path: string, body?: string) =>
    (
      await fetch(new URL(path, server.baseUrl), {
        method,
        redirect: 'manual',
        ...(body !== undefined ? { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
      })
    ).status;

  it('serves the SMART configuration at the issuer and at the FHIR base, with CORS for any origin', async () => {
    for (const url of [`${server.baseUrl}/.well-known/smart-configuration`, `${server.config.fhirBaseUrl}/.well-known/smart-configuration`]) {
      const res = await fetch(url, { headers: { origin: 'https://any-app.example' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toEqual(doc);
    }
  });

  it('has every field SMART requires, with absolute URLs, and S256 as the only PKCE method', () => {
    for (const field of ['issuer', 'jwks_uri', 'authorization_endpoint', 'token_endpoint', 'grant_types_supported', 'capabilities', 'code_challenge_methods_supported', 'response_types_supported', 'scopes_supported'])
      expect(doc, field).toHaveProperty(field);
    for (const [name, value] of Object.entries(doc))
      if (name.endsWith('_endpoint') || name === 'jwks_uri') expect(String(value)).toMatch(new RegExp(`^${server.config.issuer}/`));
    expect(doc.issuer).toBe(server.config.issuer);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.grant_types_supported).toContain('authorization_code');
    expect(doc.capabilities.every((c) => typeof c === 'string')).toBe(true);
  });

  it('lists only grant types the token endpoint accepts', async () => {
    for (const grant of doc.grant_types_supported) {
      const res = await fetch(`${server.baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=${encodeURIComponent(grant)}`,
      });
      expect(res.status, grant).toBeLessThan(500);
      expect(((await res.json()) as { error: string }).error, grant).not.toBe('unsupported_grant_type');
    }
    for (const grant of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code']) {
      const res = await fetch(`${server.baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=${encodeURIComponent(grant)}`,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
    }
  });

  it('lists only endpoints that answer', async () => {
    const probes: Record<string, () => Promise<number>> = {
      authorization_endpoint: () => status('GET', '/authorize'),
      token_endpoint: () => status('POST', '/token', ''),
      jwks_uri: () => status('GET', '/jwks'),
      introspection_endpoint: () => status('POST', '/introspect', 'token=x'),
      revocation_endpoint: () => status('POST', '/revoke', 'token=x'),
      userinfo_endpoint: () => status('GET', '/userinfo'),
      registration_endpoint: () => status('POST', '/register', ''),
    };
    for (const [field, value] of Object.entries(doc)) {
      if (!field.endsWith('_endpoint') && field !== 'jwks_uri') continue;
      expect(Object.keys(probes), `no probe for ${field}`).toContain(field);
      const code = await probes[field]!();
      expect(code, field).not.toBe(404);
      expect(code, field).toBeLessThan(500);
      expect(new URL(String(value)).pathname).not.toBe('');
    }
  });

  /** Each advertised capability with a check that it is really wired. A new capability needs a probe here. */
  const capabilityProbes: Record<string, (doc: SmartConfiguration) => Promise<void> | void> = {
    'launch-ehr': async () => {
      const res = await registerLaunch(server, { patient: 'p001', encounter: 'e001', smart_style_url: 'https://ehr.example.org/s.json' });
      expect(res.status).toBe(201);
    },
    'launch-standalone': async () => expect(await status('GET', '/select-patient')).toBe(400),
    'authorize-post': async () => expect(await status('POST', '/authorize', '')).toBe(400),
    'client-public': (d) => expect(d.token_endpoint_auth_methods_supported).toContain('none'),
    'client-confidential-symmetric': (d) => expect(d.token_endpoint_auth_methods_supported).toContain('client_secret_basic'),
    'client-confidential-asymmetric': (d) => {
      expect(d.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
      expect(d.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    },
    'context-ehr-patient': async () => expect((await registerLaunch(server, { patient: 'p002' })).status).toBe(201),
    'context-ehr-encounter': async () => expect((await registerLaunch(server, { patient: 'p001', encounter: 'e002' })).status).toBe(201),
    'context-banner': async () => expect((await registerLaunch(server, { need_patient_banner: false })).status).toBe(201),
    'context-style': async () => expect((await registerLaunch(server, { smart_style_url: 'https://ehr.example.org/s.json' })).status).toBe(201),
    'context-standalone-patient': async () => expect(await status('GET', '/select-patient')).toBe(400),
    'context-standalone-encounter': async () => expect(await status('GET', '/select-encounter')).toBe(400),
    'permission-patient': () => expect(parseScopes('patient/Observation.rs').ok).toBe(true),
    'permission-user': () => expect(parseScopes('user/Observation.rs').ok).toBe(true),
    'permission-v1': () => expect(parseScopes('patient/*.read user/*.write').ok).toBe(true),
    'permission-v2': () => expect(parseScopes('patient/Observation.rs?category=laboratory').ok).toBe(true),
    'permission-offline': (d) => expect(d.grant_types_supported).toContain('refresh_token'),
    'permission-online': (d) => expect(d.grant_types_supported).toContain('refresh_token'),
    'sso-openid-connect': async (d) => {
      const oidc = (await (await fetch(`${server.baseUrl}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(oidc.issuer).toBe(d.issuer);
      expect(oidc.id_token_signing_alg_values_supported).toContain('RS256');
      const jwks = (await (await fetch(String(d.jwks_uri))).json()) as { keys: Array<{ kty: string }> };
      expect(jwks.keys.some((k) => k.kty === 'RSA')).toBe(true);
    },
  };

  it('lists only capabilities that are wired', async () => {
    for (const capability of doc.capabilities) {
      const probe = capabilityProbes[capability];
      expect(probe, `no probe for advertised capability ${capability}`).toBeDefined();
      await probe!(doc);
    }
  });

  it('publishes public keys only, with kid and alg', async () => {
    const res = await fetch(`${server.baseUrl}/jwks`, { headers: { origin: 'https://any-app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const { keys } = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(secret);
      expect(key.kid).toBeTruthy();
      expect(key.alg).toBeTruthy();
    }
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
  });

  it('answers /health with the database state', async () => {
    const res = await fetch(`${server.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok' });
  });

  it('answers unknown paths with JSON 404 and sets security headers', async () => {
    const res = await fetch(`${server.baseUrl}/no-such-thing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });
});
