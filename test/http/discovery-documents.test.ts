import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import { ENDPOINTS } from '../../src/oauth/discovery/index.ts';
import { addClients, assertionForm, asymmetricClient, clientAssertion, newClientKey } from '../helpers/assertions.ts';
import { basic, SECRETS } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Whole flows through the pages: generous on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

type Doc = Record<string, unknown>;
const DOCUMENTS = ['/.well-known/smart-configuration', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

/** Every route the composed app serves, as "METHOD path" (express 5 router stack). */
function appRoutes(server: TestServer): Set<string> {
  const routes = new Set<string>();
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const method of Object.keys(layer.route.methods)) routes.add(`${method.toUpperCase()} ${layer.route.path}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((createApp(server.deps) as unknown as { router: { stack: Layer[] } }).router.stack);
  return routes;
}

describe('discovery documents, built from what is wired', () => {
  let server: TestServer;
  const docs: Record<string, Doc> = {};
  const algKeys: Record<string, Awaited<ReturnType<typeof newClientKey>>> = {};
  beforeAll(async () => {
    for (const alg of ['RS256', 'ES256', 'RS384', 'ES384'] as const)
      algKeys[alg] = await newClientKey(alg as 'RS384', `alg-${alg}`);
    server = await startTestServer('pglite', {
      configure: addClients(
        asymmetricClient('alg-prober', { jwks: { keys: Object.values(algKeys).map((k) => k.publicJwk) } }),
        asymmetricClient('rs-prober', { jwks: { keys: [algKeys.ES384!.publicJwk] } }, { roles: ['introspector'] }),
      ),
    });
    for (const path of DOCUMENTS) docs[path] = (await (await fetch(`${server.baseUrl}${path}`)).json()) as Doc;
  }, 180_000); // starting the service is slow on a loaded machine
  afterAll(async () => {
    await server?.close();
  });

  it('serves the SMART, OpenID and RFC 8414 documents to any origin, with one issuer', async () => {
    for (const path of DOCUMENTS) {
      const res = await fetch(`${server.baseUrl}${path}`, { headers: { origin: 'https://any-app.example' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(docs[path]!.issuer, path).toBe(server.config.issuer);
    }
  });

  it('lists every registered endpoint in every document, each one a route the app serves with its method', () => {
    const routes = appRoutes(server);
    for (const endpoint of ENDPOINTS) {
      expect(routes, endpoint.field).toContain(`${endpoint.method} ${endpoint.path}`);
      for (const path of DOCUMENTS) expect(docs[path]![endpoint.field], `${path} ${endpoint.field}`).toBe(`${server.config.issuer}${endpoint.path}`);
    }
    // ...and nothing else that looks like an endpoint.
    for (const path of DOCUMENTS)
      for (const [field, value] of Object.entries(docs[path]!))
        if (field.endsWith('_endpoint') || field.endsWith('_uri'))
          expect(ENDPOINTS.map((e) => `${server.config.issuer}${e.path}`), `${path} ${field}`).toContain(value);
  });

  it('agrees across documents on every field they share', () => {
    const [smart, oidc, oauth] = DOCUMENTS.map((p) => docs[p]!);
    for (const [field, value] of Object.entries(oauth!)) {
      expect(smart![field], `smart ${field}`).toEqual(value);
      expect(oidc![field], `openid ${field}`).toEqual(value);
    }
    expect(oidc).toMatchObject({ subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] });
  });

  const form = (body: Record<string, string>, headers: Record<string, string> = {}) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
  });

  it('accepts a client assertion signed with each advertised algorithm', async () => {
    const algs = docs[DOCUMENTS[0]!]!.token_endpoint_auth_signing_alg_values_supported as string[];
    expect(algs).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    for (const alg of algs) {
      const key = algKeys[alg];
      expect(key, `a test key for ${alg}`).toBeDefined();
      const assertion = await clientAssertion(server, 'alg-prober', `alg-${alg}`, { signWith: key!.privateJwk });
      const res = await fetch(`${server.baseUrl}/token`, form({ grant_type: 'client_credentials', scope: 'system/Patient.rs', ...assertionForm(assertion) }));
      expect(res.status, `${alg}: ${await res.clone().text()}`).toBe(200);
    }
  });

  /** A request to `endpoint` authenticated with `method`, by a client allowed to call it. */
  const authenticatedBy: Record<string, (endpoint: string) => Promise<RequestInit>> = {
    none: async () => form({ token: 'x', client_id: 'sample-app' }),
    client_secret_basic: async (endpoint) =>
      endpoint === '/introspect'
        ? form({ token: 'x' }, { authorization: basic('fhir-server', SECRETS['fhir-server']) })
        : form({ token: 'x' }, { authorization: basic('growth-chart', SECRETS['growth-chart']) }),
    client_secret_post: async (endpoint) =>
      endpoint === '/introspect'
        ? form({ token: 'x', client_id: 'fhir-server', client_secret: SECRETS['fhir-server'] })
        : form({ token: 'x', client_id: 'growth-chart', client_secret: SECRETS['growth-chart'] }),
    private_key_jwt: async () =>
      form({ token: 'x', ...assertionForm(await clientAssertion(server, 'rs-prober', 'alg-ES384', { signWith: algKeys.ES384!.privateJwk })) }),
  };

  it.each(['introspection_endpoint', 'revocation_endpoint'])('%s accepts each authentication method it advertises', async (field) => {
    const doc = docs[DOCUMENTS[2]!]!;
    const endpoint = new URL(String(doc[field])).pathname;
    for (const method of doc[`${field}_auth_methods_supported`] as string[]) {
      const probe = authenticatedBy[method];
      expect(probe, `a probe for ${method}`).toBeDefined();
      const res = await fetch(`${server.baseUrl}${endpoint}`, await probe!(endpoint));
      expect(res.status, `${field} ${method}: ${await res.clone().text()}`).toBe(200);
    }
  });
});
