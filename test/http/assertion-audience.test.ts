import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { addClients, assertionForm, asymmetricClient, clientAssertion, JWT_BEARER, type AssertionOptions } from '../helpers/assertions.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Whole flows through the pages: generous on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

const bulkKeys = (JSON.parse(readFileSync('smart-config/clients.json', 'utf8')) as { clients: Array<{ id: string; jwks?: unknown }> })
  .clients.find((c) => c.id === 'bulk-exporter')!.jwks as { keys: [] };

// RFC 7523 §3: the aud identifies the authorization server; the issuer or the endpoint's URL both do.
describeEachDatabase('client assertion audience', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, {
      configure: addClients(
        asymmetricClient('rs-signer', { jwks: bulkKeys }, { roles: ['introspector', 'launch-registrar'] }),
      ),
    });
  }, 180_000); // starting the service is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
  });

  const url = (path: string) => `${server.config.issuer}${path}`;
  const bulk = (options: AssertionOptions) => clientAssertion(server, 'bulk-exporter', 'bulk-exporter-es384-1', options);
  const signer = (aud: unknown) => clientAssertion(server, 'rs-signer', 'bulk-exporter-es384-1', { claims: { aud } });
  const backend = async (assertion: string) =>
    postToken(server, { grant_type: 'client_credentials', scope: 'system/Patient.rs', ...assertionForm(assertion) });
  const post = (path: string, form: Record<string, string>) =>
    fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });

  it.each([
    ['the issuer', () => server.config.issuer],
    ['the token endpoint', () => url('/token')],
    ['an array holding the issuer', () => ['https://elsewhere.example.org', server.config.issuer]],
  ])('accepts %s as aud at the token endpoint', async (_name, aud) => {
    const res = await backend(await bulk({ claims: { aud: aud() } }));
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it.each([
    ['another endpoint of ours', () => url('/introspect')],
    ['the FHIR base', () => server.config.fhirBaseUrl],
    ['the issuer with a trailing slash', () => `${server.config.issuer}/`],
    ['a number', () => 42],
  ])('refuses %s as aud at the token endpoint', async (_name, aud) => {
    const res = await backend(await bulk({ claims: { aud: aud() } }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('keeps jti replay and exp checks for an issuer aud', async () => {
    const once = await bulk({ claims: { aud: server.config.issuer } });
    expect((await backend(once)).status).toBe(200);
    expect((await backend(once)).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    expect((await backend(await bulk({ claims: { aud: server.config.issuer, exp: now + 900 } }))).status).toBe(401);
    expect((await backend(await bulk({ claims: { aud: server.config.issuer, exp: now - 5, iat: now - 60 } }))).status).toBe(401);
  });

  it.each(['/introspect', '/revoke'])('accepts the issuer, the token endpoint or %s itself at that endpoint', async (path) => {
    for (const aud of [server.config.issuer, url('/token'), url(path)]) {
      const res = await post(path, { token: 'not-a-token', ...assertionForm(await signer(aud)) });
      expect(res.status, `${aud}: ${await res.clone().text()}`).toBe(200);
    }
    const elsewhere = path === '/introspect' ? '/revoke' : '/introspect';
    expect((await post(path, { token: 'not-a-token', ...assertionForm(await signer(url(elsewhere))) })).status).toBe(401);
  });

  it('accepts the launches endpoint as aud for POST /launches and GET /launches/{launch}', async () => {
    const created = await fetch(url('/launches'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patient: 'p003', client_assertion_type: JWT_BEARER, client_assertion: await signer(url('/launches')) }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { launch } = (await created.json()) as { launch: string };
    const query = new URLSearchParams(assertionForm(await signer(url('/launches'))));
    expect((await fetch(`${url('/launches')}/${launch}?${query}`)).status).toBe(200);
    const wrong = new URLSearchParams(assertionForm(await signer(url('/launches/' + launch))));
    expect((await fetch(`${url('/launches')}/${launch}?${wrong}`)).status).toBe(401);
  });
});
