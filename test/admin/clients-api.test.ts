import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRouter } from '../../src/admin/index.ts';
import { clientView } from '../../src/admin/schemas.ts';
import { addClients, asymmetricClient, assertionForm, clientAssertion, CLIENT_PRIVATE_KEYS } from '../helpers/assertions.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { SECRETS, basic, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectOAuthError, refuseServerErrors } from '../http/launch-support.ts';
import { admin, adminJson, lastAudit } from './admin-support.ts';

refuseServerErrors();

const introspect = (server: TestServer, id: string, secret: string) =>
  fetch(`${server.baseUrl}/introspect`, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'token=not-a-token',
  });

describeEachDatabase('Admin API: authentication, clients, OpenAPI', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    // An admin client with keys (private_key_jwt): cardio-risk's public RS384 key.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = CLIENT_PRIVATE_KEYS['cardio-risk-rs384-1'];
    server = await startTestServer(kind, {
      configure: addClients(asymmetricClient('key-admin', { jwks: { keys: [{ ...publicKey, kid: 'cardio-risk-rs384-1' }] } }, { roles: ['admin'] })),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('authentication', () => {
    it('serves the OpenAPI document without credentials, and nothing else', async () => {
      const doc = await adminJson<{ openapi: string }>(server, '/openapi.json', 200, { headers: {} });
      expect(doc.openapi).toBe('3.1.0');
      const res = await admin(server, '/clients', { headers: {} });
      await expectOAuthError(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('refuses a wrong secret (401) and a client without the admin role (403)', async () => {
      await expectOAuthError(await admin(server, '/clients', { headers: { authorization: basic('admin', 'wrong-secret') } }), 401, 'invalid_client');
      const growthChart = { authorization: basic('growth-chart', SECRETS['growth-chart']) };
      await expectOAuthError(await admin(server, '/clients', { headers: growthChart }), 403, 'access_denied');
    });

    it('refuses every documented route (but the document) without credentials and to a non-admin client', async () => {
      const doc = await adminJson<{ paths: Record<string, Record<string, unknown>> }>(server, '/openapi.json', 200, { headers: {} });
      const fhirServer = { authorization: basic('fhir-server', SECRETS['fhir-server']) };
      for (const [path, methods] of Object.entries(doc.paths)) {
        if (path === '/admin/openapi.json') continue;
        const concrete = path.slice('/admin'.length).replace(/\{id\}/g, 'x'.repeat(43));
        for (const method of Object.keys(methods)) {
          await expectOAuthError(await admin(server, concrete, { method: method.toUpperCase(), headers: {} }), 401, 'invalid_client');
          await expectOAuthError(await admin(server, concrete, { method: method.toUpperCase(), headers: fhirServer }), 403, 'access_denied');
        }
      }
    });

    it('accepts an admin client authenticating with private_key_jwt (assertion in the query or the JSON body)', async () => {
      const assertion = await clientAssertion(server, 'key-admin', 'cardio-risk-rs384-1');
      const page = await adminJson<{ items: unknown[] }>(server, '/clients', 200, { headers: {}, query: assertionForm(assertion) });
      expect(page.items.length).toBeGreaterThan(0);
      const second = await clientAssertion(server, 'key-admin', 'cardio-risk-rs384-1');
      const created = await adminJson<{ client: { id: string } }>(server, '/clients', 201, {
        headers: {},
        body: { id: 'by-key-admin', name: 'By key', type: 'public', grantTypes: [], ...assertionForm(second) },
      });
      expect(created.client.id).toBe('by-key-admin');
      expect((await lastAudit(server, 'client.created'))?.details.actor).toBe('client:key-admin');
      // An assertion is single-use, here as at /token.
      await expectOAuthError(await admin(server, '/clients', { headers: {}, query: assertionForm(assertion) }), 401, 'invalid_client');
    });
  });

  describe('clients', () => {
    it('creates a confidential-symmetric client whose generated secret is shown once and works at once', async () => {
      const created = await adminJson<{ client: Record<string, unknown>; secret: string }>(server, '/clients', 201, {
        body: { id: 'new-rs', name: 'New resource server', type: 'confidential-symmetric', grantTypes: [], roles: ['introspector'] },
      });
      expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(clientView.parse(created.client)).toMatchObject({ id: 'new-rs', source: 'admin', disabled: false, roles: ['introspector'] });
      expect(JSON.stringify(created.client)).not.toContain(created.secret);
      expect((await introspect(server, 'new-rs', created.secret)).status).toBe(200);
      const read = await adminJson(server, '/clients/new-rs', 200);
      expect(read).not.toHaveProperty('secret');
      expect(await lastAudit(server, 'client.created')).toMatchObject({ client: 'new-rs', details: { actor: 'client:admin' } });
    });

    it('refuses invalid clients with invalid_request naming the field, and a taken id with 409', async () => {
      const bad = [
        { id: 'x', name: 'x', type: 'public', redirectUris: ['not a url'] },
        { id: 'x', name: 'x', type: 'public' }, // authorization_code by default, and no redirect URI
        { id: 'x', name: 'x', type: 'confidential-asymmetric', grantTypes: ['client_credentials'] }, // no keys
        { id: 'x', name: 'x', type: 'public', grantTypes: [], secret: 'chosen-by-me-0123456789abcdef0123' }, // the service makes secrets
        { id: 'bad id!', name: 'x', type: 'public', grantTypes: [] },
      ];
      for (const body of bad) await expectOAuthError(await admin(server, '/clients', { body }), 400, 'invalid_request');
      await expectOAuthError(await admin(server, '/clients', { body: '{"id":' }), 400, 'invalid_request');
      await expectOAuthError(
        await admin(server, '/clients', { body: { id: 'growth-chart', name: 'x', type: 'public', grantTypes: [] } }),
        409,
        'invalid_request',
      );
    });

    it('lists clients by id, a page at a time, with filters', async () => {
      const first = await adminJson<{ items: { id: string }[]; next_cursor: string }>(server, '/clients', 200, { query: { limit: '2' } });
      expect(first.items).toHaveLength(2);
      const second = await adminJson<{ items: { id: string }[] }>(server, '/clients', 200, { query: { limit: '2', cursor: first.next_cursor } });
      expect(second.items[0]!.id > first.items[1]!.id).toBe(true);
      const admins = await adminJson<{ items: { id: string }[]; next_cursor: null }>(server, '/clients', 200, { query: { role: 'admin' } });
      expect(admins.items.map((c) => c.id)).toEqual(expect.arrayContaining(['admin', 'key-admin']));
      expect(admins.next_cursor).toBeNull();
      await expectOAuthError(await admin(server, '/clients', { query: { limit: '0' } }), 400, 'invalid_request');
      for (const limit of ['ten', '1.5', '201']) {
        const refused = await expectOAuthError(await admin(server, '/clients', { query: { limit } }), 400, 'invalid_request');
        expect(refused.error_description).toBe('limit: must be a whole number from 1 to 200');
      }
      await expectOAuthError(await admin(server, '/clients', { query: { cursor: 'garbage' } }), 400, 'invalid_request');
      await expectOAuthError(await admin(server, '/clients', { query: { nonsense: '1' } }), 400, 'invalid_request');
    });

    it('updates a client, keeping it valid, and audits which fields changed', async () => {
      await adminJson(server, '/clients', 201, { body: { id: 'editable', name: 'Editable', type: 'public', redirectUris: ['https://app.example.org/cb'] } });
      const updated = await adminJson<Record<string, unknown>>(server, '/clients/editable', 200, {
        method: 'PATCH',
        body: { name: 'Edited', scope: 'launch openid patient/*.rs', metadata: { tier: 'silver' } },
      });
      expect(updated).toMatchObject({ name: 'Edited', scope: 'launch openid patient/*.rs', metadata: { tier: 'silver' } });
      expect(await lastAudit(server, 'client.updated')).toMatchObject({ client: 'editable', details: { fields: ['name', 'scope', 'metadata'] } });
      // Removing its only redirect URI would leave an authorization_code client that cannot work.
      await expectOAuthError(await admin(server, '/clients/editable', { method: 'PATCH', body: { redirectUris: [] } }), 400, 'invalid_request');
      await expectOAuthError(await admin(server, '/clients/editable', { method: 'PATCH', body: { type: 'public' } }), 400, 'invalid_request');
      await expectOAuthError(await admin(server, '/clients/nobody', { method: 'PATCH', body: { name: 'x' } }), 404, 'not_found');
      await expectOAuthError(await admin(server, '/clients/nobody'), 404, 'not_found');
    });

    it('disables a client (it stops authenticating on the next request) and enables it again', async () => {
      const { secret } = await adminJson<{ secret: string }>(server, '/clients', 201, {
        body: { id: 'to-disable', name: 'x', type: 'confidential-symmetric', grantTypes: [], roles: ['introspector'] },
      });
      expect((await introspect(server, 'to-disable', secret)).status).toBe(200);
      expect(await adminJson(server, '/clients/to-disable/disable', 200, { method: 'POST' })).toMatchObject({ disabled: true });
      await expectOAuthError(await introspect(server, 'to-disable', secret), 401, 'invalid_client');
      expect(await lastAudit(server, 'client.disabled')).toMatchObject({ client: 'to-disable' });
      expect(await adminJson(server, '/clients/to-disable/enable', 200, { method: 'POST' })).toMatchObject({ disabled: false });
      expect((await introspect(server, 'to-disable', secret)).status).toBe(200);
      expect(await lastAudit(server, 'client.enabled')).toMatchObject({ client: 'to-disable' });
      await expectOAuthError(await admin(server, '/clients/nobody/disable', { method: 'POST' }), 404, 'not_found');
    });

    it('rotates a secret: with an overlap the old one works until then, without one it stops at once', async () => {
      const { secret: first } = await adminJson<{ secret: string }>(server, '/clients', 201, {
        body: { id: 'rotating', name: 'x', type: 'confidential-symmetric', grantTypes: [], roles: ['introspector'] },
      });
      const overlap = await adminJson<{ secret: string; client: { previousSecretExpiresAt: string } }>(server, '/clients/rotating/rotate-secret', 200, {
        body: { overlapSeconds: 3600 },
      });
      expect(overlap.secret).not.toBe(first);
      expect(Date.parse(overlap.client.previousSecretExpiresAt)).toBeGreaterThan(Date.now() + 3500_000);
      expect((await introspect(server, 'rotating', first)).status).toBe(200);
      expect((await introspect(server, 'rotating', overlap.secret)).status).toBe(200);
      expect(await lastAudit(server, 'client.secret_rotated')).toMatchObject({ client: 'rotating' });

      const immediate = await adminJson<{ secret: string }>(server, '/clients/rotating/rotate-secret', 200, { body: {} });
      await expectOAuthError(await introspect(server, 'rotating', first), 401, 'invalid_client');
      await expectOAuthError(await introspect(server, 'rotating', overlap.secret), 401, 'invalid_client');
      expect((await introspect(server, 'rotating', immediate.secret)).status).toBe(200);

      await expectOAuthError(await admin(server, '/clients/sample-app/rotate-secret', { body: {} }), 400, 'invalid_request');
      await expectOAuthError(await admin(server, '/clients/rotating/rotate-secret', { body: { overlapSeconds: -1 } }), 400, 'invalid_request');
      await expectOAuthError(await admin(server, '/clients/nobody/rotate-secret', { body: {} }), 404, 'not_found');
    });

    it('keeps jwks and jwksUri exclusive on an asymmetric client', async () => {
      const jwk = { kty: 'EC', crv: 'P-384', x: 'mZ5c231nO78xUDMyAkMU3ETrcRSr3g_Dem7DuAuJz-mDEoLC7gzaxF7op29vE48q', y: '0brM0MM8D-yM75iGxyCwal10-SEtomveoAHnHU9RfqtHYTfeNR84LneMc3twu6Zc', kid: 'k1' };
      await adminJson(server, '/clients', 201, {
        body: { id: 'backend-2', name: 'x', type: 'confidential-asymmetric', grantTypes: ['client_credentials'], scope: 'system/*.rs', jwks: { keys: [jwk] } },
      });
      const switched = await adminJson<Record<string, unknown>>(server, '/clients/backend-2', 200, {
        method: 'PATCH',
        body: { jwksUri: 'https://keys.example.org/jwks.json' },
      });
      expect(switched).toMatchObject({ jwks: null, jwksUri: 'https://keys.example.org/jwks.json' });
      await expectOAuthError(
        await admin(server, '/clients/backend-2', { method: 'PATCH', body: { jwks: { keys: [{ ...jwk, d: 'private' }] } } }),
        400,
        'invalid_request',
      );
    });
  });

  describe('OpenAPI document', () => {
    it('documents exactly the routes the express router serves', async () => {
      const doc = await adminJson<{ paths: Record<string, Record<string, unknown>> }>(server, '/openapi.json', 200, { headers: {} });
      const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
      type Layer = { route?: { path: string; methods: Record<string, boolean> } };
      const stack = (adminRouter(server.deps) as unknown as { stack: Layer[] }).stack;
      const served = stack
        .filter((l) => l.route)
        .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} /admin${l.route!.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`));
      expect(served.length).toBeGreaterThan(10);
      expect(new Set(documented)).toEqual(new Set(served));
      expect(documented).toHaveLength(served.length);
    });

    it('describes inputs and outputs from the schemas', async () => {
      const doc = (await adminJson(server, '/openapi.json', 200, { headers: {} })) as any;
      const create = doc.paths['/admin/clients'].post;
      expect(create.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['id', 'name', 'type']));
      expect(create.responses['201'].content['application/json'].schema.properties.client).toEqual({ $ref: '#/components/schemas/Client' });
      expect(doc.components.schemas.Client.properties).toHaveProperty('redirectUris');
      expect(doc.paths['/admin/clients/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
      expect(doc.paths['/admin/clients'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'cursor', 'source', 'role', 'disabled']);
      expect(doc.paths['/admin/openapi.json'].get.security).toEqual([]);
      // Every $ref resolves.
      for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components.schemas).toHaveProperty(ref[1]!);
    });
  });

  it('never lets a token endpoint call become an admin call', async () => {
    // The admin client has no grant types: it cannot get tokens, only call the admin API.
    const res = await postToken(server, { grant_type: 'client_credentials', scope: 'system/*.rs' }, { authorization: basic('admin', SECRETS.admin) });
    expect(res.status).toBeGreaterThanOrEqual(400);
  });
});
