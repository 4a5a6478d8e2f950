import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userView } from '../../src/admin/schemas.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { SECRETS, sampleAppRedirect, authorize, basic, newLaunch } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectOAuthError, refuseServerErrors } from '../http/launch-support.ts';
import { admin, adminJson, lastAudit } from './admin-support.ts';

refuseServerErrors();

describeEachDatabase('Admin API: users, launches, audit events', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A standalone sign-in through the real pages; resolves to true when the app got a code. */
  const signsIn = async (username: string, password: string) => {
    try {
      const { redirect } = await authorize(
        server,
        { client_id: 'sample-app', redirect_uri: sampleAppRedirect(server), scope: 'openid fhirUser' },
        { login: { username, password } },
      );
      return redirect.searchParams.has('code');
    } catch {
      return false;
    }
  };

  describe('users', () => {
    it('creates a user (with a generated password, shown once) who can sign in at once', async () => {
      const created = await adminJson<{ user: Record<string, unknown>; password: string }>(server, '/users', 201, {
        body: { id: 'dr.new', username: 'dr.new', fhirUser: 'Practitioner/pr001', attributes: { roles: ['physician'] } },
      });
      expect(userView.parse(created.user)).toMatchObject({ id: 'dr.new', fhirUser: 'Practitioner/pr001', attributes: { roles: ['physician'] } });
      expect(created.password).toMatch(/^[A-Za-z0-9]{20}$/);
      expect(await signsIn('dr.new', created.password)).toBe(true);
      const audit = await lastAudit(server, 'user.created');
      expect(audit).toMatchObject({ user: 'dr.new', details: { actor: 'client:admin' } });
      expect(JSON.stringify(audit)).not.toContain(created.password);
      await expectOAuthError(await admin(server, '/users', { body: { username: 'dr.new' } }), 409, 'invalid_request');
      await expectOAuthError(await admin(server, '/users', { body: { username: 'short', password: 'abc' } }), 400, 'invalid_request');
      await expectOAuthError(await admin(server, '/users', { body: { username: 'x', fhirUser: 'Observation/1' } }), 400, 'invalid_request');
    });

    it('reads and lists users, paged', async () => {
      expect(await adminJson(server, '/users/amy-shaw', 200)).toMatchObject({ username: 'amy', fhirUser: 'Patient/p001', demo: true });
      const first = await adminJson<{ items: { id: string }[]; next_cursor: string }>(server, '/users', 200, { query: { limit: '2' } });
      const rest = await adminJson<{ items: { id: string }[] }>(server, '/users', 200, { query: { limit: '200', cursor: first.next_cursor } });
      const ids = [...first.items, ...rest.items].map((u) => u.id);
      expect(ids).toEqual([...ids].sort());
      expect(ids).toEqual(expect.arrayContaining(['amy-shaw', 'dr-carter', 'nurse-lee']));
      await expectOAuthError(await admin(server, '/users/nobody'), 404, 'not_found');
    });

    it('patches attributes (null removes one) and the FHIR identity', async () => {
      const before = (await adminJson<{ attributes: Record<string, unknown> }>(server, '/users/nurse-lee', 200)).attributes;
      const updated = await adminJson<{ attributes: Record<string, unknown>; fhirUser: string | null }>(server, '/users/nurse-lee', 200, {
        method: 'PATCH',
        body: { attributes: { ward: '7B', [Object.keys(before)[0] ?? 'none']: null } },
      });
      expect(updated.attributes.ward).toBe('7B');
      expect(Object.keys(updated.attributes)).toHaveLength(Math.max(Object.keys(before).length, 1));
      expect(await lastAudit(server, 'user.updated')).toMatchObject({ user: 'nurse-lee' });
      await expectOAuthError(await admin(server, '/users/nurse-lee', { method: 'PATCH', body: { username: 'x' } }), 400, 'invalid_request');
      await expectOAuthError(await admin(server, '/users/nobody', { method: 'PATCH', body: { attributes: {} } }), 404, 'not_found');
    });

    it('resets a password: the old one stops working, the new one (given or generated) works', async () => {
      await adminJson(server, '/users/carla-smith/reset-password', 200, { body: { password: 'a-new-password-for-carla' } });
      expect(await signsIn('carla', 'carla-demo')).toBe(false);
      expect(await signsIn('carla', 'a-new-password-for-carla')).toBe(true);
      const generated = await adminJson<{ password: string }>(server, '/users/carla-smith/reset-password', 200, { body: {} });
      expect(await signsIn('carla', generated.password)).toBe(true);
      expect(await lastAudit(server, 'user.password_reset')).toMatchObject({ user: 'carla-smith', details: { generated: true } });
      await expectOAuthError(await admin(server, '/users/carla-smith/reset-password', { body: { password: 'short' } }), 400, 'invalid_request');
    });

    it('disables a user (no sign-in) and enables them again', async () => {
      expect(await adminJson(server, '/users/dr-carter/disable', 200, { method: 'POST' })).toMatchObject({ disabled: true });
      expect(await signsIn('dr.carter', 'carter-demo')).toBe(false);
      expect(await lastAudit(server, 'user.disabled')).toMatchObject({ user: 'dr-carter' });
      expect(await adminJson(server, '/users/dr-carter/enable', 200, { method: 'POST' })).toMatchObject({ disabled: false });
      expect(await signsIn('dr.carter', 'carter-demo')).toBe(true);
      expect(await lastAudit(server, 'user.enabled')).toMatchObject({ user: 'dr-carter' });
    });

    it('unlocks a user whose username repeated failures locked', async () => {
      const { login } = server.config;
      // Failures from an attacker's address lock the account (amy has not signed in from the test's address yet).
      for (let i = 0; i <= login.lockFailures; i++) await server.deps.throttles.login.recordFailure('amy', '203.0.113.9');
      expect(await signsIn('amy', 'amy-demo')).toBe(false);
      await adminJson(server, '/users/amy-shaw/unlock', 200, { method: 'POST' });
      expect(await signsIn('amy', 'amy-demo')).toBe(true);
      expect(await lastAudit(server, 'user.unlocked')).toMatchObject({ user: 'amy-shaw' });
      await expectOAuthError(await admin(server, '/users/nobody/unlock', { method: 'POST' }), 404, 'not_found');
    });
  });

  describe('launches', () => {
    it('lists launches newest first with filters, reads one, and cancels it', async () => {
      const launch = await newLaunch(server, { patient: 'p002', client_id: 'growth-chart' });
      await newLaunch(server, { patient: 'p001' });
      const forP002 = await adminJson<{ items: Array<{ id: string; patient: string; status: string; client: string }> }>(server, '/launches', 200, {
        query: { patient: 'p002', status: 'active' },
      });
      expect(forP002.items).toHaveLength(1);
      const [listed] = forP002.items;
      expect(listed).toMatchObject({ patient: 'p002', status: 'active', client: 'growth-chart', registeredBy: 'ehr-integrator' });
      expect(JSON.stringify(forP002)).not.toContain(launch);
      expect(await adminJson(server, `/launches/${listed!.id}`, 200)).toMatchObject({ patient: 'p002' });

      expect(await adminJson(server, `/launches/${listed!.id}/cancel`, 200, { method: 'POST' })).toMatchObject({ status: 'cancelled' });
      // The registrar sees it cancelled too.
      const registrar = await fetch(`${server.baseUrl}/launches/${launch}`, { headers: { authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) } });
      expect(await registrar.json()).toMatchObject({ status: 'cancelled' });
      expect(await lastAudit(server, 'launch.cancelled')).toMatchObject({ patient: 'p002', details: { actor: 'client:admin' } });

      const all = await adminJson<{ items: Array<{ createdAt: string }> }>(server, '/launches', 200);
      expect(all.items.length).toBeGreaterThanOrEqual(2);
      const times = all.items.map((l) => l.createdAt);
      expect(times).toEqual([...times].sort().reverse());
      await expectOAuthError(await admin(server, '/launches/short', {}), 400, 'invalid_request');
      await expectOAuthError(await admin(server, `/launches/${'A'.repeat(43)}/cancel`, { method: 'POST' }), 404, 'not_found');
      await expectOAuthError(await admin(server, '/launches', { query: { status: 'paused' } }), 400, 'invalid_request');
    });
  });

  describe('audit events', () => {
    it('queries by patient, user, client and time, newest first, paged', async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      await newLaunch(server, { patient: 'p003', fhirUser: 'Practitioner/pr002' });
      await newLaunch(server, { patient: 'p003' });
      type Page = { items: Array<{ id: string; event: string; patient: string; client: string; user: string | null }>; next_cursor: string | null };
      const byPatient = await adminJson<Page>(server, '/audit-events', 200, { query: { patient: 'p003', since } });
      expect(byPatient.items.map((e) => e.event)).toEqual(['launch.registered', 'launch.registered']);
      expect(Number(byPatient.items[0]!.id)).toBeGreaterThan(Number(byPatient.items[1]!.id));
      const byUser = await adminJson<Page>(server, '/audit-events', 200, { query: { user: 'Practitioner/pr002', patient: 'p003' } });
      expect(byUser.items).toHaveLength(1);
      const byClient = await adminJson<Page>(server, '/audit-events', 200, { query: { client: 'ehr-integrator', limit: '1' } });
      expect(byClient.items[0]!.client).toBe('ehr-integrator');
      expect(byClient.next_cursor).not.toBeNull();
      const next = await adminJson<Page>(server, '/audit-events', 200, { query: { client: 'ehr-integrator', limit: '1', cursor: byClient.next_cursor! } });
      expect(Number(next.items[0]!.id)).toBeLessThan(Number(byClient.items[0]!.id));
      const future = await adminJson<Page>(server, '/audit-events', 200, { query: { since: new Date(Date.now() + 60_000).toISOString() } });
      expect(future.items).toEqual([]);
      const until = await adminJson<Page>(server, '/audit-events', 200, { query: { patient: 'p003', until: since } });
      expect(until.items).toEqual([]);
      await expectOAuthError(await admin(server, '/audit-events', { query: { since: 'yesterday' } }), 400, 'invalid_request');
    });

    it('exports the same query as a FHIR Bundle of AuditEvent resources', async () => {
      await newLaunch(server, { patient: 'p004', fhirUser: 'Practitioner/pr001' });
      await newLaunch(server, { patient: 'p004' });
      const res = await admin(server, '/audit-events/bundle', { query: { patient: 'p004', limit: '1' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      const bundle = (await res.json()) as any;
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      expect(bundle.entry).toHaveLength(1);
      const event = bundle.entry[0].resource;
      expect(event).toMatchObject({
        resourceType: 'AuditEvent',
        type: { code: 'launch.registered' },
        action: 'C',
        outcome: '0',
        entity: [{ what: { reference: 'Patient/p004' } }],
        source: { observer: { identifier: { value: server.config.issuer } } },
      });
      expect(Date.parse(event.recorded)).not.toBeNaN();
      expect(event.agent).toEqual(expect.arrayContaining([expect.objectContaining({ who: { identifier: { system: `${server.config.issuer}/clients`, value: 'ehr-integrator' } } })]));
      // The next Bundle, by its link, holds the other event (with the same admin credentials).
      const nextUrl = bundle.link.find((l: { relation: string }) => l.relation === 'next').url as string;
      const next = (await (await fetch(nextUrl, { headers: { authorization: basic('admin', SECRETS.admin) } })).json()) as any;
      expect(next.entry).toHaveLength(1);
      expect(next.entry[0].resource.agent).toEqual(expect.arrayContaining([expect.objectContaining({ who: { identifier: { system: `${server.config.issuer}/users`, value: 'Practitioner/pr001' } } })]));
      expect(next.link).toBeUndefined();
    });
  });
});
