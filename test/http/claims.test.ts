import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { claimRulesFileSchema } from '../../src/claims/index.ts';
import type { Config } from '../../src/config/index.ts';
import { updateUser } from '../../src/store/users.ts';
import { assertionForm, clientAssertion } from '../helpers/assertions.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import {
  GROWTH_CHART_REDIRECT,
  sampleAppRedirect,
  SECRETS,
  authorize,
  basic,
  decodeJwt,
  newLaunch,
  postToken,
  type AuthorizeParams,
} from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const OTHER_AUDIENCE = 'https://other-fhir.example.org/r4';
const DR_CARTER = { username: 'dr.carter', password: 'carter-demo' };

const RULES = claimRulesFileSchema.parse({
  rules: [
    {
      when: { clients: ['growth-chart'] },
      accessToken: { roles: '{{user.attributes.roles}}', organization_id: '{{user.attributes.organization_id}}' },
      idToken: { organization_id: '{{user.attributes.organization_id}}' },
      tokenResponse: { org: '{{user.attributes.organization_id}}' },
    },
    { when: { clients: ['sample-app'] }, accessToken: { only_sample_app: true } },
    { when: { audiences: [OTHER_AUDIENCE] }, accessToken: { audience_rule: 'other' } },
    { when: { scopes: ['offline_access'] }, tokenResponse: { offline: true } },
    { when: { launch: 'ehr' }, accessToken: { launch_kind: 'ehr', tenant: '{{launch.extra.tenant}}' } },
    { when: { launch: 'standalone' }, accessToken: { launch_kind: 'standalone' } },
    { when: { grants: ['authorization_code'] }, accessToken: { first_grant: '{{grant.type}}' } },
    { when: { grants: ['refresh_token'] }, accessToken: { refreshed: true } },
    {
      when: { clients: ['bulk-exporter'], grants: ['client_credentials'] },
      accessToken: { region: '{{client.metadata.region}}', client_name: '{{client.name}}' },
      tokenResponse: { api_uri: 'https://eu.api.example.org' },
    },
    { when: { clients: ['growth-chart'] }, userinfo: { department: '{{user.attributes.department}}', organization_id: '{{user.attributes.organization_id}}' } },
    // SMART context names: a rule fills them only where the launch context does not.
    { tokenResponse: { patient: 'from-rule', intent: 'rule-intent' } },
  ],
}).rules;

function configure(config: Config): void {
  config.claimRules = RULES;
  config.audiences.push(OTHER_AUDIENCE);
  config.hooks = { modulePath: path.resolve('test/fixtures/hooks/test-hook.ts'), timeoutMs: 150 };
}

describeEachDatabase('claim rules and the issue hook', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, { configure });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function codeGrant(params: Partial<AuthorizeParams> & { client_id: 'growth-chart' | 'sample-app' }, options: { login?: boolean } = {}) {
    const redirect_uri = params.client_id === 'growth-chart' ? GROWTH_CHART_REDIRECT : sampleAppRedirect(server);
    const { redirect, verifier } = await authorize(
      server,
      { redirect_uri, scope: 'openid fhirUser', ...params },
      options.login ? { login: DR_CARTER } : {},
    );
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code') ?? 'missing-code',
      redirect_uri,
      code_verifier: verifier,
    };
    const headers: Record<string, string> = {};
    if (params.client_id === 'growth-chart') headers.authorization = basic('growth-chart', SECRETS['growth-chart']);
    else form.client_id = params.client_id;
    const res = await postToken(server, form, headers);
    const body = (await res.json()) as Record<string, unknown>;
    return { res, body, claims: typeof body.access_token === 'string' ? decodeJwt(body.access_token) : {} };
  }

  const ehrLaunch = (extra: Record<string, unknown> = {}) =>
    newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', extra: { tenant: 'hospital-a', ...extra } });

  it('adds bare claims and top-level response fields for the matching client only', async () => {
    const growth = await codeGrant({ client_id: 'growth-chart', scope: 'launch openid fhirUser patient/*.rs', launch: await ehrLaunch() });
    expect(growth.res.status).toBe(200);
    expect(growth.claims).toMatchObject({ roles: ['physician', 'cardiology'], organization_id: 'org-17', patient: 'p001' });
    expect(growth.claims).not.toHaveProperty('only_sample_app');
    expect(growth.body.org).toBe('org-17');
    expect(decodeJwt(String(growth.body.id_token)).organization_id).toBe('org-17');

    const sample = await codeGrant({ client_id: 'sample-app', scope: 'launch openid fhirUser patient/*.rs', launch: await ehrLaunch() });
    expect(sample.res.status).toBe(200);
    expect(sample.claims.only_sample_app).toBe(true);
    expect(sample.claims).not.toHaveProperty('roles');
    expect(sample.body).not.toHaveProperty('org');
  });

  it('matches rules per audience and per granted scope', async () => {
    const other = await codeGrant({ client_id: 'growth-chart', scope: 'launch offline_access', launch: await ehrLaunch(), aud: OTHER_AUDIENCE });
    expect(other.claims.aud).toBe(OTHER_AUDIENCE);
    expect(other.claims.audience_rule).toBe('other');
    expect(other.body.offline).toBe(true);

    const plain = await codeGrant({ client_id: 'growth-chart', scope: 'launch', launch: await ehrLaunch() });
    expect(plain.claims).not.toHaveProperty('audience_rule');
    expect(plain.body).not.toHaveProperty('offline');
  });

  it('matches rules per launch type and reads launch.extra', async () => {
    const ehr = await codeGrant({ client_id: 'growth-chart', scope: 'launch', launch: await ehrLaunch() });
    expect(ehr.claims).toMatchObject({ launch_kind: 'ehr', tenant: 'hospital-a', first_grant: 'authorization_code' });

    const standalone = await codeGrant({ client_id: 'growth-chart', scope: 'openid fhirUser' }, { login: true });
    expect(standalone.res.status).toBe(200);
    expect(standalone.claims.launch_kind).toBe('standalone');
    expect(standalone.claims).not.toHaveProperty('tenant');
  });

  it('lets a rule fill a SMART context field only where the launch context has none', async () => {
    const ehr = await codeGrant({ client_id: 'growth-chart', scope: 'launch', launch: await newLaunch(server, { patient: 'p002', intent: 'ehr-intent', fhirUser: 'Practitioner/pr001' }) });
    expect(ehr.body.patient).toBe('p002');
    expect(ehr.body.intent).toBe('ehr-intent');

    const standalone = await codeGrant({ client_id: 'growth-chart', scope: 'openid' }, { login: true });
    expect(standalone.body.patient).toBe('from-rule');
    expect(standalone.body.intent).toBe('rule-intent');
  });

  it('runs the rules again on refresh, with the original inputs and the user\'s current attributes', async () => {
    const first = await codeGrant({ client_id: 'growth-chart', scope: 'launch offline_access', launch: await ehrLaunch() });
    expect(first.claims).toMatchObject({ roles: ['physician', 'cardiology'], launch_kind: 'ehr', tenant: 'hospital-a', patient: 'p001' });
    expect(first.claims).not.toHaveProperty('refreshed');

    const carter = { roles: ['physician', 'chief-of-staff'], organization_id: 'org-99', department: 'Cardiology' };
    await updateUser(server.deps.db, 'dr-carter', { attributes: carter });
    try {
      const res = await postToken(
        server,
        { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) },
        { authorization: basic('growth-chart', SECRETS['growth-chart']) },
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      const claims = decodeJwt(String(body.access_token));
      expect(claims).toMatchObject({ roles: ['physician', 'chief-of-staff'], organization_id: 'org-99', launch_kind: 'ehr', tenant: 'hospital-a', refreshed: true, patient: 'p001' });
      expect(claims).not.toHaveProperty('first_grant');
      expect(body).toMatchObject({ org: 'org-99', offline: true, patient: 'p001', need_patient_banner: true });
    } finally {
      await updateUser(server.deps.db, 'dr-carter', { attributes: { roles: ['physician', 'cardiology'], organization_id: 'org-17', department: 'Cardiology' } });
    }
  });

  it('adds client-metadata claims and a top-level api_uri to a client_credentials grant, for that client only', async () => {
    const res = await postToken(server, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      ...assertionForm(await clientAssertion(server, 'bulk-exporter', 'bulk-exporter-es384-1')),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.api_uri).toBe('https://eu.api.example.org');
    const claims = decodeJwt(String(body.access_token));
    expect(claims).toMatchObject({ sub: 'bulk-exporter', region: 'eu', client_name: 'Population Exporter (backend service)' });
    for (const absent of ['launch_kind', 'first_grant', 'refreshed', 'roles', 'patient']) expect(claims).not.toHaveProperty(absent);
    // No launch context in a backend grant, so the catch-all rule's SMART fields show.
    expect(body.patient).toBe('from-rule');

    const growth = await codeGrant({ client_id: 'growth-chart', scope: 'launch', launch: await ehrLaunch() });
    expect(growth.body).not.toHaveProperty('api_uri');
    expect(growth.claims).not.toHaveProperty('region');
  });

  describe('userinfo', () => {
    const userinfo = (token: string | undefined, method: 'GET' | 'POST' = 'GET') =>
      fetch(`${server.baseUrl}/userinfo`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

    it('answers sub, fhirUser and the rules\' userinfo claims for a token with openid', async () => {
      const { body } = await codeGrant({ client_id: 'growth-chart', scope: 'launch openid fhirUser', launch: await ehrLaunch() });
      for (const method of ['GET', 'POST'] as const) {
        const res = await userinfo(String(body.access_token), method);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          sub: 'dr-carter',
          fhirUser: `${server.config.fhirBaseUrl}/Practitioner/pr001`,
          department: 'Cardiology',
          organization_id: 'org-17',
        });
      }
    });

    it('refuses a missing, foreign or revoked token with 401 and a token without openid with 403', async () => {
      const missing = await userinfo(undefined);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await userinfo('not.a.jwt')).status).toBe(401);

      const noOpenid = await codeGrant({ client_id: 'growth-chart', scope: 'launch', launch: await ehrLaunch() });
      const res = await userinfo(String(noOpenid.body.access_token));
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });

      const { body } = await codeGrant({ client_id: 'growth-chart', scope: 'launch openid', launch: await ehrLaunch() });
      const revoked = await fetch(`${server.baseUrl}/revoke`, {
        method: 'POST',
        headers: { authorization: basic('growth-chart', SECRETS['growth-chart']), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: String(body.access_token) }).toString(),
      });
      expect(revoked.status).toBe(200);
      expect((await userinfo(String(body.access_token))).status).toBe(401);
    });
  });

  describe('the code hook', () => {
    const withHookMode = async (mode: string | undefined) => {
      // A merge patch: hookMode null removes it.
      const attributes = { roles: ['physician', 'cardiology'], organization_id: 'org-17', department: 'Cardiology', hookMode: mode ?? null };
      await updateUser(server.deps.db, 'dr-carter', { attributes });
    };
    afterAll(async () => withHookMode(undefined));

    it('adds claims to the access token, the id_token and the token response', async () => {
      await withHookMode('add');
      const { res, body, claims } = await codeGrant({ client_id: 'growth-chart', scope: 'launch openid', launch: await ehrLaunch() });
      expect(res.status).toBe(200);
      expect(claims.hook_added).toBe('authorization_code:growth-chart');
      expect(decodeJwt(String(body.id_token)).hook_id_claim).toBe(true);
      expect(body.hook_field).toBe(1);
    });

    it('denies the grant when the hook says so', async () => {
      await withHookMode('deny');
      const { res, body } = await codeGrant({ client_id: 'growth-chart', scope: 'launch', launch: await ehrLaunch() });
      expect(res.status).toBe(400);
      expect(body).toMatchObject({ error: 'access_denied', error_description: 'blocked by the test policy' });
    });

    it('refuses a hook that sets a reserved claim with invalid_request, never server_error', async () => {
      await withHookMode('guard');
      const { res, body } = await codeGrant({ client_id: 'growth-chart', scope: 'launch', launch: await ehrLaunch() });
      expect(res.status).toBe(400);
      expect(body.error).toBe('invalid_request');
    });

    it('fails the grant with server_error and an audit event when the hook throws or runs too long', async () => {
      for (const mode of ['throw', 'slow']) {
        await withHookMode(mode);
        const { res, body } = await codeGrant({ client_id: 'growth-chart', scope: 'launch', launch: await ehrLaunch() });
        expect(res.status, mode).toBe(500);
        expect(body.error, mode).toBe('server_error');
        expect(JSON.stringify(body)).not.toMatch(/on purpose|stack/);
      }
      const audits = await server.deps.db.selectFrom('audit_events').select(['event', 'details']).where('event', '=', 'hook.failed').execute();
      expect(audits.length).toBeGreaterThanOrEqual(2);
      const health = await fetch(`${server.baseUrl}/health`);
      expect(health.status).toBe(200);
    });
  });
});

describe('the access token size guard', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', {
      configure: (config) => {
        config.tokens.maxAccessTokenBytes = 1024;
        config.claimRules = claimRulesFileSchema.parse({
          rules: [{ when: { clients: ['growth-chart'] }, accessToken: { big: 'x'.repeat(2000) } }],
        }).rules;
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('fails a grant whose access token would exceed the limit with server_error, and logs why', async () => {
    const logged = vi.spyOn(server.deps.logger, 'error');
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001' });
    const { redirect, verifier } = await authorize(server, { client_id: 'growth-chart', redirect_uri: GROWTH_CHART_REDIRECT, scope: 'launch', launch });
    const res = await postToken(
      server,
      { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: GROWTH_CHART_REDIRECT, code_verifier: verifier },
      { authorization: basic('growth-chart', SECRETS['growth-chart']) },
    );
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'server_error', error_description: 'the access token would exceed the configured size limit' });
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ client: 'growth-chart', limit: 1024 }),
      expect.stringMatching(/maxAccessTokenBytes/),
    );
  });
});
