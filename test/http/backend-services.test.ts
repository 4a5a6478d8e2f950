import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { grantIdOfJti } from '../../src/store/revocations.ts';
import { assertionForm, clientAssertion, type FixtureKid } from '../helpers/assertions.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { SECRETS, basic, decodeJwt, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** SMART Backend Services (backend-services.md): client_credentials, a signed assertion, system/ scopes. */
describeEachDatabase('SMART Backend Services (client_credentials)', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, {
      configure: (config) => {
        config.tokens.backendAccessTokenLifetimeSeconds = 240;
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const backendToken = async (form: Record<string, string>, kid: FixtureKid = 'bulk-exporter-rs384-1', clientId = 'bulk-exporter') =>
    postToken(server, { grant_type: 'client_credentials', ...form, ...assertionForm(await clientAssertion(server, clientId, kid)) });

  async function expectError(res: Response, status: number, error: string): Promise<void> {
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(body.error).toBe(error);
  }

  it.each(['bulk-exporter-rs384-1', 'bulk-exporter-es384-1'] as const)(
    'issues a system-level access token for an assertion signed with %s',
    async (kid) => {
      const res = await backendToken({ scope: 'system/Patient.rs' }, kid);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ token_type: 'Bearer', scope: 'system/Patient.rs', expires_in: 240 });
      expect(body).not.toHaveProperty('refresh_token');
      expect(body).not.toHaveProperty('id_token');
      expect(body).not.toHaveProperty('patient');
      expect(body).not.toHaveProperty('need_patient_banner');
      // smart-config/claims.json: the exporter's regional API, for its client_credentials grant.
      expect(body.api_uri).toBe('https://eu.api.example.org');

      const jwks = createRemoteJWKSet(new URL(`${server.baseUrl}/jwks`));
      const { payload } = await jwtVerify(String(body.access_token), jwks, {
        issuer: server.config.issuer,
        audience: server.config.fhirBaseUrl,
      });
      expect(payload).toMatchObject({ sub: 'bulk-exporter', client_id: 'bulk-exporter', scope: 'system/Patient.rs' });
      expect(payload).not.toHaveProperty('patient');
      expect(payload).not.toHaveProperty('encounter');
      expect(payload).not.toHaveProperty('fhirUser');
      expect(payload.exp! - payload.iat!).toBe(240);
    },
  );

  it('writes the jti and the audit row together: a replayed assertion gets invalid_client and leaves no audit row', async () => {
    const issued = () => server.deps.db.selectFrom('audit_events').select('id').where('event', '=', 'token.issued').execute();
    const before = (await issued()).length;
    const form = { grant_type: 'client_credentials', scope: 'system/Patient.rs', ...assertionForm(await clientAssertion(server, 'bulk-exporter', 'bulk-exporter-es384-1')) };
    expect((await postToken(server, form)).status).toBe(200);
    await expectError(await postToken(server, form), 401, 'invalid_client');
    expect(await issued()).toHaveLength(before + 1);
  });

  it('under concurrent requests (writes sharing statements), each assertion is used once and every token is recorded', async () => {
    const issued = async () =>
      (await server.deps.db.selectFrom('audit_events').select('details').where('event', '=', 'token.issued').where('client_id', '=', 'bulk-exporter').execute())
        .map((e) => (e.details as { grant_id: string }).grant_id);
    const before = new Set(await issued());
    // 30 assertions, 10 of them sent three times at once: 50 requests in flight together.
    const assertions = await Promise.all(Array.from({ length: 30 }, () => clientAssertion(server, 'bulk-exporter', 'bulk-exporter-rs384-1')));
    const sent = [...assertions, ...assertions.slice(0, 10), ...assertions.slice(0, 10)];
    const answers = await Promise.all(
      sent.map(async (assertion) => {
        const res = await postToken(server, { grant_type: 'client_credentials', scope: 'system/Patient.rs', ...assertionForm(assertion) });
        return { assertion, status: res.status, body: (await res.json()) as Record<string, string> };
      }),
    );
    for (const assertion of assertions) {
      const forIt = answers.filter((a) => a.assertion === assertion);
      expect(forIt.filter((a) => a.status === 200)).toHaveLength(1);
      for (const refused of forIt.filter((a) => a.status !== 200)) expect([refused.status, refused.body.error]).toEqual([401, 'invalid_client']);
    }
    const grantIds = answers.filter((a) => a.status === 200).map((a) => grantIdOfJti(String(decodeJwt(a.body.access_token!).jti)));
    const recorded = (await issued()).filter((id) => !before.has(id));
    expect(recorded).toHaveLength(30);
    const grants = await server.deps.db.selectFrom('grants').select('id').where('id', 'in', recorded).execute();
    expect(grants).toHaveLength(30);
    expect(new Set(grantIds)).toEqual(new Set(recorded));
  });

  it('records the issue in the audit trail', async () => {
    expect((await backendToken({ scope: 'system/Observation.rs' })).status).toBe(200);
    const events = await server.deps.db
      .selectFrom('audit_events')
      .select(['event', 'details'])
      .where('client_id', '=', 'bulk-exporter')
      .where('event', '=', 'token.issued')
      .execute();
    expect(events.map((e) => (e.details as { scope?: string }).scope)).toContain('system/Observation.rs');
  });

  it('narrows a request to what the client is registered for', async () => {
    const res = await backendToken({ scope: 'system/*.cruds system/Patient.read' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe('system/*.rs system/Patient.read');
  });

  it('drops scopes a backend service cannot hold (patient/, user/, launch, openid, offline_access)', async () => {
    const res = await backendToken({ scope: 'patient/*.rs user/*.rs launch openid fhirUser offline_access system/Patient.rs' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.scope).toBe('system/Patient.rs');
    expect(body).not.toHaveProperty('refresh_token');
    expect(body).not.toHaveProperty('id_token');
  });

  it('refuses with invalid_scope when nothing grantable remains', async () => {
    await expectError(await backendToken({ scope: 'patient/*.rs openid' }), 400, 'invalid_scope');
    await expectError(await backendToken({ scope: 'system/Patient.c' }), 400, 'invalid_scope');
  });

  it('refuses a malformed scope with invalid_scope', async () => {
    await expectError(await backendToken({ scope: 'system/Patient.rs?' }), 400, 'invalid_scope');
  });

  it('requires scope', async () => {
    await expectError(await backendToken({}), 400, 'invalid_request');
  });

  it('answers a bad grant_type with 400 unsupported_grant_type', async () => {
    const res = await postToken(server, {
      grant_type: 'not_a_grant',
      scope: 'system/Patient.rs',
      ...assertionForm(await clientAssertion(server, 'bulk-exporter', 'bulk-exporter-rs384-1')),
    });
    await expectError(res, 400, 'unsupported_grant_type');
  });

  it('answers a bad client_assertion_type with 401 invalid_client', async () => {
    const res = await postToken(server, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: 'not_an_assertion_type',
      client_assertion: await clientAssertion(server, 'bulk-exporter', 'bulk-exporter-rs384-1'),
    });
    await expectError(res, 401, 'invalid_client');
  });

  it('refuses a client that is not registered for client_credentials', async () => {
    const res = await backendToken({ scope: 'system/Patient.rs' }, 'cardio-risk-rs384-1', 'cardio-risk');
    await expectError(res, 400, 'unauthorized_client');
    const symmetric = await postToken(server, { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, {
      authorization: basic('growth-chart', SECRETS['growth-chart']),
    });
    await expectError(symmetric, 400, 'unauthorized_client');
  });

  it('requires client authentication', async () => {
    await expectError(await postToken(server, { grant_type: 'client_credentials', scope: 'system/Patient.rs' }), 401, 'invalid_client');
    const named = await postToken(server, { grant_type: 'client_credentials', scope: 'system/Patient.rs', client_id: 'bulk-exporter' });
    await expectError(named, 401, 'invalid_client');
  });

  it('advertises client_credentials, private_key_jwt with RS384 and ES384, and system scopes in discovery', async () => {
    const doc = (await (await fetch(`${server.baseUrl}/.well-known/smart-configuration`)).json()) as Record<string, string[]>;
    expect(doc.grant_types_supported).toContain('client_credentials');
    expect(doc.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(doc.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    expect(doc.capabilities).toContain('client-confidential-asymmetric');
    expect(doc.scopes_supported).toContain('system/*.rs');
  });

  it('introspects a backend token as active, with sub = the client id and no patient', async () => {
    const issued = (await (await backendToken({ scope: 'system/Patient.rs' })).json()) as { access_token: string };
    const res = await fetch(`${server.baseUrl}/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('fhir-server', SECRETS['fhir-server']),
      },
      body: new URLSearchParams({ token: issued.access_token }).toString(),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ active: true, sub: 'bulk-exporter', client_id: 'bulk-exporter', scope: 'system/Patient.rs' });
    expect(body).not.toHaveProperty('patient');
  });
});
