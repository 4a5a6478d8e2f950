import { afterAll, beforeAll, expect, it } from 'vitest';
import { grantView } from '../../src/admin/schemas.ts';
import { createGrant } from '../../src/store/grants.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectOAuthError, growthChartAuth, growthChartCode, redeemGrowthChartCode, refuseServerErrors } from '../http/launch-support.ts';
import { introspection } from '../http/token-lifecycle-support.ts';
import { admin, adminJson, lastAudit } from './admin-support.ts';

refuseServerErrors();

describeEachDatabase('Admin API: grants', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  const introspect = async (token: string) => (await introspection(server, token)).active;

  it('lists grants by client, user and patient, and revoking one with a reason stops its tokens at once', async () => {
    const { code, verifier } = await growthChartCode(server, { scope: 'launch openid fhirUser offline_access patient/*.rs', launch: { patient: 'p005' } });
    const tokens = (await (await redeemGrowthChartCode(server, code, verifier)).json()) as { access_token: string; refresh_token: string };
    expect(await introspect(tokens.access_token)).toBe(true);

    type Page = { items: Array<Record<string, unknown>>; next_cursor: string | null };
    const byPatient = await adminJson<Page>(server, '/grants', 200, { query: { patient: 'p005' } });
    expect(byPatient.items).toHaveLength(1);
    const grant = grantView.parse(byPatient.items[0]);
    expect(grant).toMatchObject({ client: 'growth-chart', fhirUser: 'Practitioner/pr001', patient: 'p005', launchType: 'ehr', accessType: 'offline', revokedAt: null });
    const byClient = await adminJson<Page>(server, '/grants', 200, { query: { client: 'growth-chart', limit: '200' } });
    expect(byClient.items.map((g) => g.id)).toContain(grant.id);
    const byUser = await adminJson<Page>(server, '/grants', 200, { query: { user: 'nobody' } });
    expect(byUser.items).toEqual([]);
    expect(await adminJson(server, `/grants/${grant.id}`, 200)).toMatchObject({ id: grant.id });

    const revoked = await adminJson<Record<string, unknown>>(server, `/grants/${grant.id}/revoke`, 200, { body: { reason: 'device reported stolen' } });
    expect(revoked).toMatchObject({ revokedReason: 'device reported stolen' });
    expect(await introspect(tokens.access_token)).toBe(false);
    const refresh = await postToken(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, growthChartAuth());
    await expectOAuthError(refresh, 400, 'invalid_grant');
    expect(await lastAudit(server, 'grant.revoked')).toMatchObject({
      client: 'growth-chart',
      patient: 'p005',
      details: { actor: 'client:admin', reason: 'device reported stolen', grant_id: grant.id },
    });

    // Live grants only, unless asked; a second revocation keeps the first reason.
    expect((await adminJson<Page>(server, '/grants', 200, { query: { patient: 'p005' } })).items).toEqual([]);
    expect((await adminJson<Page>(server, '/grants', 200, { query: { patient: 'p005', revoked: 'true' } })).items).toHaveLength(1);
    expect(await adminJson(server, `/grants/${grant.id}/revoke`, 200, { body: { reason: 'again' } })).toMatchObject({ revokedReason: 'device reported stolen' });

    await expectOAuthError(await admin(server, `/grants/${grant.id}/revoke`, { body: {} }), 400, 'invalid_request');
    await expectOAuthError(await admin(server, '/grants/no-such-grant/revoke', { body: { reason: 'x' } }), 404, 'not_found');
    await expectOAuthError(await admin(server, '/grants/no-such-grant'), 404, 'not_found');
    await expectOAuthError(await admin(server, '/grants', { query: { limit: '1000' } }), 400, 'invalid_request');
  });

  it('pages grants newest first with next_cursor, and refuses a cursor it did not issue', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const grant = await createGrant(server.deps.db, {
        clientId: 'growth-chart', userId: null, fhirUser: null, scope: 'patient/*.rs', aud: server.config.fhirBaseUrl,
        context: { patient: 'p-paging' }, launchType: 'ehr', launchExtra: {}, accessType: null, authTime: null, sessionIdHash: null,
      });
      made.push(grant.id);
    }
    type Page = { items: Array<{ id: string }>; next_cursor: string | null };
    const first = await adminJson<Page>(server, '/grants', 200, { query: { patient: 'p-paging', limit: '2' } });
    expect(first.items).toHaveLength(2);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await adminJson<Page>(server, '/grants', 200, { query: { patient: 'p-paging', limit: '2', cursor: first.next_cursor! } });
    expect(second.next_cursor).toBeNull();
    expect([...first.items, ...second.items].map((g) => g.id).sort()).toEqual([...made].sort());
    await expectOAuthError(await admin(server, '/grants', { query: { cursor: 'garbage' } }), 400, 'invalid_request');
  });
});
