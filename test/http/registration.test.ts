import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertionForm, newClientKey, signCompact } from '../helpers/assertions.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { authorize, decodeJwt, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { expectOAuthError, refuseServerErrors } from './launch-support.ts';
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { lookup } from 'node:dns/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import { isPublicAddress } from '../../src/http/public-address.ts';

refuseServerErrors();

const INITIAL_TOKEN = 'initial-access-token-for-tests-0123456789';
const REDIRECT = 'http://127.0.0.1:9/callback';

describeEachDatabase('Dynamic client registration (RFC 7591, RFC 7592)', (kind) => {
  let open: TestServer;
  let guarded: TestServer;
  beforeAll(async () => {
    // The shipped smart-config/ enables open registration with the sandbox policy.
    // More registrations than the shipped per-address limit come from this one test address.
    open = await startTestServer(kind, { configure: (config) => void (config.registration.perAddressPerHour = 1000) });
    guarded = await startTestServer(kind, {
      configure: (config) => {
        config.registration = { ...config.registration, access: 'initial-access-token', initialAccessTokens: [INITIAL_TOKEN], perAddressPerHour: 1000 };
      },
    });
  });
  afterAll(async () => {
    await Promise.all([open?.close(), guarded?.close()]);
  });

  const register = (server: TestServer, metadata: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(metadata) });

  /** A registered private_key_jwt client (redirect https://app.example.org/cb) redeeming a code that does not exist: its authentication decides the answer. */
  const redeemUnknownCode = async (clientId: string, key: { privateJwk: JWK }, kid: string) => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await signCompact(
      { alg: 'ES384', kid, typ: 'JWT' },
      { iss: clientId, sub: clientId, aud: `${open.config.issuer}/token`, jti: randomUUID(), iat: now, exp: now + 60 },
      key.privateJwk,
    );
    return postToken(open, { grant_type: 'authorization_code', code: 'nope', redirect_uri: 'https://app.example.org/cb', code_verifier: 'x'.repeat(43), ...assertionForm(assertion) });
  };

  it('advertises registration_endpoint in discovery', async () => {
    const smart = (await (await fetch(`${open.baseUrl}/.well-known/smart-configuration`)).json()) as Record<string, unknown>;
    expect(smart.registration_endpoint).toBe(`${open.config.issuer}/register`);
    const oidc = (await (await fetch(`${open.baseUrl}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(oidc.registration_endpoint).toBe(`${open.config.issuer}/register`);
  });

  it('registers a public SMART app that then completes a full standalone launch', async () => {
    const res = await register(open, {
      client_name: 'Registered app',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'launch/patient openid fhirUser offline_access patient/*.rs',
      software_id: 'org.example.app',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const client = (await res.json()) as Record<string, any>;
    expect(client).toMatchObject({
      client_name: 'Registered app',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      software_id: 'org.example.app',
      registration_client_uri: `${open.config.issuer}/register/${client.client_id}`,
    });
    expect(client).not.toHaveProperty('client_secret');
    expect(client.registration_access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { redirect, verifier } = await authorize(
      open,
      { client_id: client.client_id, redirect_uri: REDIRECT, scope: 'launch/patient openid fhirUser offline_access patient/*.rs' },
      { login: { username: 'amy', password: 'amy-demo' } },
    );
    const code = redirect.searchParams.get('code')!;
    const token = await postToken(open, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: client.client_id });
    expect(token.status).toBe(200);
    const body = (await token.json()) as Record<string, string>;
    expect(body.patient).toBe('p001');
    expect(body.refresh_token).toBeTruthy();
    expect(decodeJwt(body.access_token!)).toMatchObject({ client_id: client.client_id, patient: 'p001' });
  });

  it('registers a private_key_jwt client (inline jwks) that authenticates at /token', async () => {
    const key = await newClientKey('ES384', 'reg-key-1');
    const res = await register(open, {
      redirect_uris: ['https://app.example.org/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
      scope: 'launch openid patient/*.rs',
    });
    expect(res.status).toBe(201);
    const client = (await res.json()) as { client_id: string };
    // Authenticated (the code is unknown, so invalid_grant, not invalid_client).
    const token = await redeemUnknownCode(client.client_id, key, 'reg-key-1');
    await expectOAuthError(token, 400, 'invalid_grant');
  });

  it('refuses what the sandbox policy does not allow, naming why', async () => {
    const base = { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' };
    const cases: Array<[unknown, string]> = [
      [{ ...base, scope: 'openid system/*.rs' }, 'invalid_client_metadata'],
      [{ ...base, scope: 'patient/*.cruds' }, 'invalid_client_metadata'],
      [{ ...base, scope: 'patient/*.bogus' }, 'invalid_client_metadata'],
      [{ ...base, token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata'],
      [{ redirect_uris: [REDIRECT] }, 'invalid_client_metadata'], // RFC 7591 default: client_secret_basic
      [{ ...base, grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
      [{ ...base, grant_types: ['implicit'] }, 'invalid_client_metadata'],
      [{ ...base, response_types: ['token'] }, 'invalid_client_metadata'],
      [{ ...base, redirect_uris: ['http://app.example.org/cb'] }, 'invalid_redirect_uri'],
      [{ ...base, redirect_uris: ['com.example.app:/cb'] }, 'invalid_redirect_uri'],
      [{ ...base, redirect_uris: ['https://app.example.org/cb#frag'] }, 'invalid_redirect_uri'],
      [{ ...base, redirect_uris: [] }, 'invalid_redirect_uri'],
      [{ ...base, token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'], // no keys
      [{ ...base, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://127.0.0.1/jwks' }, 'invalid_client_metadata'],
      // The server would fetch these itself (server-side request forgery): never this machine or a private network.
      ...['https://127.0.0.1/jwks', 'https://localhost:8443/jwks', 'https://keys.localhost/jwks', 'https://10.1.2.3/jwks', 'https://192.168.0.9/jwks', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/jwks', 'https://[::ffff:10.0.0.1]/jwks', 'https://[fd00::1]/jwks', 'https://0/jwks', 'https://2130706433/jwks', 'https://0x7f.1/jwks'].map(
        (jwks_uri): [unknown, string] => [{ ...base, token_endpoint_auth_method: 'private_key_jwt', jwks_uri }, 'invalid_client_metadata'],
      ),
      [{ ...base, redirect_uris: 'https://x.example.org' }, 'invalid_client_metadata'],
    ];
    for (const [metadata, error] of cases) {
      const res = await register(open, metadata);
      const body = await expectOAuthError(res, 400, error);
      expect(body.error_description).toEqual(expect.any(String));
    }
    const systemScope = (await (await register(open, { ...base, scope: 'openid system/*.rs' })).json()) as { error_description: string };
    expect(systemScope.error_description).toMatch(/system\/\*\.rs/);
    await expectOAuthError(await fetch(`${open.baseUrl}/register`, { method: 'POST', body: 'x' }), 400, 'invalid_request');
  });

  it("fetches a registered client's jwks_uri only from public addresses: a name that resolves to this machine is not connected to", async () => {
    // This machine's own name resolves to a loopback or private address (/etc/hosts): a name, so it passes registration.
    const hostname = os.hostname();
    const addresses = await lookup(hostname, { all: true });
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((a) => isPublicAddress(a.address))).toBe(false);
    let connections = 0;
    const listener = createNetServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, resolve));
    try {
      const port = (listener.address() as AddressInfo).port;
      const key = await newClientKey('ES384', 'ssrf-key-1');
      const res = await register(open, { redirect_uris: ['https://app.example.org/cb'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `https://${hostname}:${port}/jwks`, scope: 'launch openid patient/*.rs' });
      expect(res.status).toBe(201);
      const client = (await res.json()) as { client_id: string };
      const token = await redeemUnknownCode(client.client_id, key, 'ssrf-key-1');
      const body = await expectOAuthError(token, 401, 'invalid_client');
      expect(body.error_description).toMatch(/keys could not be read/);
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('counts registration requests per address on the database, and answers 429 with Retry-After past the limit', async () => {
    const limited = await startTestServer(kind, { configure: (config) => void (config.registration.perAddressPerHour = 4) });
    try {
      const metadata = { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' };
      expect((await register(limited, metadata)).status).toBe(201);
      // A refused registration counts too, and so does a body that cannot be read.
      await expectOAuthError(await register(limited, { ...metadata, redirect_uris: [] }), 400, 'invalid_redirect_uri');
      const unreadable = await fetch(`${limited.baseUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"redirect_uris": [' });
      await expectOAuthError(unreadable, 400, 'invalid_request');
      expect((await register(limited, metadata)).status).toBe(201);
      const refused = await register(limited, metadata);
      const body = await expectOAuthError(refused, 429, 'temporarily_unavailable');
      expect(body.error_description).toMatch(/too many client registrations/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('cache-control')).toBe('no-store');
      // Another server's addresses are its own: the unlimited test server still registers.
      expect((await register(open, metadata)).status).toBe(201);
    } finally {
      await limited.close();
    }
  });

  it("allows CORS to /token from a newly registered app's origin at once (and not before)", async () => {
    const origin = `https://app-${randomUUID().slice(0, 8)}.example.org`;
    const preflight = () =>
      fetch(`${open.baseUrl}/token`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect((await preflight()).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight()).headers.get('access-control-allow-origin')).toBeNull();
    expect((await register(open, { redirect_uris: [`${origin}/cb`], token_endpoint_auth_method: 'none' })).status).toBe(201);
    expect((await preflight()).headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('needs the initial access token when the config says so', async () => {
    const metadata = { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' };
    const none = await register(guarded, metadata);
    await expectOAuthError(none, 401, 'invalid_token');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    await expectOAuthError(await register(guarded, metadata, { authorization: 'Bearer wrong-token' }), 401, 'invalid_token');
    expect((await register(guarded, metadata, { authorization: `Bearer ${INITIAL_TOKEN}` })).status).toBe(201);
  });

  it('reads, updates and deletes a registration with its registration access token (RFC 7592)', async () => {
    const created = (await (await register(open, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', scope: 'openid patient/*.rs' })).json()) as Record<string, any>;
    const uri = created.registration_client_uri as string;
    const auth = { authorization: `Bearer ${created.registration_access_token}` };

    const read = await fetch(uri, { headers: auth });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ client_id: created.client_id, scope: 'openid patient/*.rs' });
    await expectOAuthError(await fetch(uri), 401, 'invalid_token');
    await expectOAuthError(await fetch(uri, { headers: { authorization: 'Bearer not-it' } }), 401, 'invalid_token');

    const put = (body: unknown) => fetch(uri, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const updated = await put({ client_id: created.client_id, redirect_uris: [REDIRECT, 'https://new.example.org/cb'], token_endpoint_auth_method: 'none', client_name: 'Renamed' });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ client_name: 'Renamed', redirect_uris: [REDIRECT, 'https://new.example.org/cb'] });
    await expectOAuthError(await put({ client_id: created.client_id, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', scope: 'system/*.rs' }), 400, 'invalid_client_metadata');
    await expectOAuthError(await put({ client_id: 'other', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }), 400, 'invalid_request');

    expect((await fetch(uri, { method: 'DELETE', headers: auth })).status).toBe(204);
    await expectOAuthError(await fetch(uri, { headers: auth }), 401, 'invalid_token');
    // The client id no longer works.
    const token = await postToken(open, { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, code_verifier: 'x'.repeat(43), client_id: created.client_id });
    await expectOAuthError(token, 401, 'invalid_client');
  });
});
