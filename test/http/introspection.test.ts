import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.ts';
import { SECRETS, basic, decodeJwt } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  auditEvents,
  expectOAuthError,
  fhirServerAuth,
  introspect,
  introspection,
  launchTokens,
  refresh,
  refuseServerErrors,
  revoke,
  type Json,
} from './token-lifecycle-support.ts';

refuseServerErrors();

describeEachDatabase('Token introspection', (kind) => {
  let server: TestServer;
  let tokens: Json;
  beforeAll(async () => {
    server = await startTestServer(kind, {
      // growth-chart may also introspect, so its access token can authenticate as a bearer.
      configure: (config) => void config.clients.find((c) => c.id === 'growth-chart')!.roles.push('introspector'),
    });
    ({ tokens } = await launchTokens(server, {
      launch: {
        fhirContext: [{ reference: 'DiagnosticReport/dr001' }],
        intent: 'reconcile-medications',
        smart_style_url: 'https://ehr.example.org/style.json',
      },
    }));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('describes an active access token: its claims, custom claims and the launch context of its token response', async () => {
    const res = await introspect(server, { token: String(tokens.access_token), token_type_hint: 'access_token' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Json;
    const claims = decodeJwt(String(tokens.access_token));
    expect(body).toMatchObject({
      active: true,
      token_type: 'Bearer',
      scope: tokens.scope,
      client_id: 'growth-chart',
      sub: 'dr-carter',
      iss: server.config.issuer,
      aud: server.config.fhirBaseUrl,
      exp: claims.exp,
      iat: claims.iat,
      patient: 'p001',
      encounter: 'e001',
      fhirUser: `${server.config.fhirBaseUrl}/Practitioner/pr001`,
      roles: ['physician', 'cardiology'],
      organization_id: 'org-17',
      fhirContext: [{ reference: 'DiagnosticReport/dr001' }],
      intent: 'reconcile-medications',
      smart_style_url: 'https://ehr.example.org/style.json',
      need_patient_banner: true,
    });
    expect(body.exp as number).toBeGreaterThan(Date.now() / 1000);
  });

  it('describes the access token of a refresh with the same launch context', async () => {
    const { tokens: own } = await launchTokens(server, { launch: { intent: 'review' } });
    const refreshed = (await (await refresh(server, { refresh_token: String(own.refresh_token), scope: 'patient/Observation.rs' })).json()) as Json;
    expect(await introspection(server, refreshed.access_token)).toMatchObject({
      active: true,
      scope: 'patient/Observation.rs',
      patient: 'p001',
      encounter: 'e001',
      intent: 'review',
    });
  });

  it('describes an active refresh token, and not a spent one', async () => {
    const { tokens: own } = await launchTokens(server);
    const body = await introspection(server, own.refresh_token);
    expect(body).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      scope: own.scope,
      client_id: 'growth-chart',
      sub: 'dr-carter',
      patient: 'p001',
      encounter: 'e001',
    });
    expect(body.exp as number).toBeGreaterThan(body.iat as number);
    expect((await refresh(server, { refresh_token: String(own.refresh_token) })).status).toBe(200);
    expect(await introspection(server, own.refresh_token)).toEqual({ active: false });
  });

  it('answers {"active": false} and nothing else for revoked, tampered, foreign and unknown tokens', async () => {
    const { tokens: own } = await launchTokens(server);
    expect((await revoke(server, { token: String(own.access_token) })).status).toBe(200);
    expect(await introspection(server, own.access_token)).toEqual({ active: false });

    const [header, payload, signature] = String(tokens.access_token).split('.');
    const changed = Buffer.from(JSON.stringify({ ...decodeJwt(String(tokens.access_token)), patient: 'p002' })).toString('base64url');
    expect(await introspection(server, `${header}.${changed}.${signature}`)).toEqual({ active: false });
    expect(await introspection(server, `${header}.${payload}.${signature!.slice(0, -4)}AAAA`)).toEqual({ active: false });

    const claims = decodeJwt(String(tokens.access_token));
    const foreign = await generateKeyPair('ES256');
    const kid = server.deps.keys.accessToken.kid;
    const otherKey = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(foreign.privateKey);
    expect(await introspection(server, otherKey)).toEqual({ active: false });
    const otherIssuer = await new SignJWT({ ...claims, iss: 'https://other-issuer.example.org' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .sign(server.deps.keys.accessToken.privateKey);
    expect(await introspection(server, otherIssuer)).toEqual({ active: false });

    for (const unknown of ['x'.repeat(43), 'not-a-token', 'a.b.c', `${header}..`])
      expect(await introspection(server, unknown)).toEqual({ active: false });
  });

  it('refuses callers that do not authenticate as an introspector', async () => {
    const token = String(tokens.access_token);
    const refused: Array<Record<string, string>> = [
      {},
      { authorization: basic('fhir-server', 'wrong-secret') },
      { authorization: 'Bearer not-a-token' },
    ];
    for (const headers of refused) {
      const res = await introspect(server, { token }, headers);
      await expectOAuthError(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/Basic/);
    }
    await expectOAuthError(await introspect(server, { token, client_id: 'sample-app' }, {}), 401, 'invalid_client');
    const registrar = { authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) };
    await expectOAuthError(await introspect(server, { token }, registrar), 403, 'unauthorized_client');
    await expectOAuthError(await introspect(server, {}), 400, 'invalid_request');
  });

  it('accepts an active access token of an introspector client as a bearer credential', async () => {
    const { tokens: caller } = await launchTokens(server);
    const bearer = { authorization: `Bearer ${String(caller.access_token)}` };
    const res = await introspect(server, { token: String(tokens.access_token) }, bearer);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active: true, client_id: 'growth-chart' });

    const { tokens: publicApp } = await launchTokens(server, { client: 'sample-app' });
    const notAnIntrospector = { authorization: `Bearer ${String(publicApp.access_token)}` };
    await expectOAuthError(await introspect(server, { token: String(tokens.access_token) }, notAnIntrospector), 403, 'unauthorized_client');

    expect((await revoke(server, { token: String(caller.access_token) })).status).toBe(200);
    await expectOAuthError(await introspect(server, { token: String(tokens.access_token) }, bearer), 401, 'invalid_client');
  });

  it('records who introspected, in a batch written after the answer has gone out', async () => {
    await server.deps.auditBatch.flush();
    const before = (await auditEvents(server, 'token.introspected')).length;
    await introspection(server, tokens.access_token);
    await server.deps.auditBatch.flush();
    const events = await auditEvents(server, 'token.introspected');
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({ client_id: 'fhir-server', user_id: 'dr-carter', patient: 'p001' });
    expect(events.at(-1)!.details).toMatchObject({ active: true, token_type: 'access_token', token_client_id: 'growth-chart' });
  });

  describe('with a one-second access token lifetime', () => {
    let shortLived: TestServer;
    beforeAll(async () => {
      shortLived = await startTestServer(kind, { configure: (config) => void (config.tokens.accessTokenLifetimeSeconds = 1) });
    });
    afterAll(async () => {
      await shortLived?.close();
    });

    it('answers {"active": false} for an expired access token', async () => {
      const { tokens: own } = await launchTokens(shortLived);
      const exp = decodeJwt(String(own.access_token)).exp as number;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 1100));
      const res = await introspect(shortLived, { token: String(own.access_token) }, fhirServerAuth());
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ active: false });
    });
  });
});

describe('placeholder to keep vitest happy when suites skip', () => {
  it('runs', () => expect(true).toBe(true));
});
