import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { setClientDisabled } from '../../src/store/clients.ts';
import {
  addClients,
  assertionForm,
  asymmetricClient,
  clientAssertion,
  newClientKey,
  startJwksHost,
  type AssertionOptions,
  type JwksHost,
} from '../helpers/assertions.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { SECRETS, authorize, basic, decodeJwt, newLaunch, postToken } from '../helpers/oauth.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const CARDIO_REDIRECT = 'https://cardio.example.org/callback';
const WEAK_RSA = generateKeyPairSync('rsa', { modulusLength: 1024 });
const SOUND_RSA = generateKeyPairSync('rsa', { modulusLength: 2048 });
const BACKEND_REQUEST = { grant_type: 'client_credentials', scope: 'system/Patient.rs' };

describeEachDatabase('private_key_jwt client authentication', (kind) => {
  let server: TestServer;
  let host: JwksHost;
  let rotating: Awaited<ReturnType<typeof newClientKey>>[];
  beforeAll(async () => {
    host = await startJwksHost();
    rotating = [await newClientKey('ES384', 'rotating-1'), await newClientKey('RS384', 'rotating-2')];
    host.serve('/rotating', { jwks: { keys: [rotating[0]!.publicJwk] }, cacheControl: 'max-age=300' });
    host.serve('/short-lived', { jwks: { keys: [rotating[0]!.publicJwk] }, cacheControl: 'public, max-age=60' });
    host.serve('/shared-jti', { jwks: { keys: [rotating[0]!.publicJwk] } });
    host.serve('/broken', { status: 500 });
    host.serve('/huge', { body: JSON.stringify({ keys: [rotating[0]!.publicJwk], padding: 'x'.repeat(70_000) }) });
    host.serve('/private', { jwks: { keys: [rotating[0]!.privateJwk] } });
    host.serve('/slow', { jwks: { keys: [rotating[0]!.publicJwk] }, delayMs: 3500 });
    server = await startTestServer(kind, {
      configure: addClients(
        ...['rotating', 'short-lived', 'shared-jti', 'broken', 'huge', 'private', 'slow'].map((name) =>
          asymmetricClient(`remote-${name}`, { jwksUri: host.url(`/${name}`) }),
        ),
        asymmetricClient('weak-rsa', { jwks: { keys: [{ ...WEAK_RSA.publicKey.export({ format: 'jwk' }), kid: 'weak-1', alg: 'RS384', use: 'sig' }] } }),
        asymmetricClient('encryption-key', { jwks: { keys: [{ ...SOUND_RSA.publicKey.export({ format: 'jwk' }), kid: 'enc-1', use: 'enc' }] } }),
        asymmetricClient('sound-rsa', { jwks: { keys: [{ ...SOUND_RSA.publicKey.export({ format: 'jwk' }), kid: 'sound-1' }] } }),
      ),
    });
  });
  afterAll(async () => {
    await server?.close();
    await host?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const backendToken = async (assertion: string, extra: Record<string, string> = {}) =>
    postToken(server, { ...BACKEND_REQUEST, ...assertionForm(assertion), ...extra });
  const bulkAssertion = (options?: AssertionOptions) => clientAssertion(server, 'bulk-exporter', 'bulk-exporter-rs384-1', options);

  async function expectInvalidClient(res: Response, because: RegExp): Promise<string> {
    const body = (await res.json()) as { error: string; error_description: string };
    expect(res.status, JSON.stringify(body)).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.error_description).toMatch(because);
    return body.error_description;
  }

  it.each([
    ['RS384', 'cardio-risk-rs384-1'],
    ['ES384', 'cardio-risk-es384-1'],
  ] as const)('authenticates a confidential app redeeming its code with an %s assertion', async (_alg, kid) => {
    const launch = await newLaunch(server, { patient: 'p001', fhirUser: 'Practitioner/pr001', client_id: 'cardio-risk' });
    const { redirect, verifier } = await authorize(server, {
      client_id: 'cardio-risk',
      redirect_uri: CARDIO_REDIRECT,
      scope: 'launch openid fhirUser patient/*.rs',
      launch,
    });
    const code = redirect.searchParams.get('code');
    expect(code).toBeTruthy();

    const res = await postToken(server, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: CARDIO_REDIRECT,
      code_verifier: verifier,
      ...assertionForm(await clientAssertion(server, 'cardio-risk', kid)),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', patient: 'p001' });
    expect(decodeJwt(String(body.access_token))).toMatchObject({ client_id: 'cardio-risk', patient: 'p001' });
    expect(decodeJwt(String(body.id_token))).toMatchObject({ aud: 'cardio-risk' });
  });

  it.each([
    ['RS384', 'bulk-exporter-rs384-1'],
    ['ES384', 'bulk-exporter-es384-1'],
  ] as const)('authenticates a backend service with an %s assertion', async (_alg, kid) => {
    const res = await backendToken(await clientAssertion(server, 'bulk-exporter', kid));
    expect(res.status).toBe(200);
    expect(decodeJwt(String(((await res.json()) as { access_token: string }).access_token)).sub).toBe('bulk-exporter');
  });

  it('accepts client_id in the body when it names the assertion iss', async () => {
    expect((await backendToken(await bulkAssertion(), { client_id: 'bulk-exporter' })).status).toBe(200);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refusals: Array<[string, () => Promise<string>, RegExp]> = [
    ['an expired assertion', () => bulkAssertion({ claims: { exp: now() - 5, iat: now() - 65 } }), /expired/],
    ['an assertion without exp', () => bulkAssertion({ claims: { exp: undefined } }), /no exp/],
    ['an exp more than 5 minutes ahead', () => bulkAssertion({ claims: { exp: now() + 400 } }), /5 minutes/],
    ['an iat in the future', () => bulkAssertion({ claims: { iat: now() + 120 } }), /iat is in the future/],
    ['an nbf in the future', () => bulkAssertion({ claims: { nbf: now() + 120 } }), /nbf/],
    ['an aud other than the token endpoint', () => bulkAssertion({ claims: { aud: `${server.config.issuer}/authorize` } }), /aud/],
    ['the FHIR server as aud', () => bulkAssertion({ claims: { aud: server.config.fhirBaseUrl } }), /aud/],
    ['an iss other than sub', () => bulkAssertion({ claims: { iss: 'cardio-risk' } }), /iss and sub/],
    ['a sub other than iss', () => bulkAssertion({ claims: { sub: 'cardio-risk' } }), /iss and sub/],
    ['an assertion without iss', () => bulkAssertion({ claims: { iss: undefined } }), /no iss/],
    ['an assertion without jti', () => bulkAssertion({ claims: { jti: undefined } }), /no jti/],
    ['an unknown kid', () => bulkAssertion({ header: { kid: 'bulk-exporter-rs384-9' } }), /could not be verified: no registered key/],
    ['a key registered to another client', () => clientAssertion(server, 'bulk-exporter', 'cardio-risk-rs384-1'), /no registered key/],
    ['a kid whose key does not fit the alg', () => bulkAssertion({ header: { kid: 'bulk-exporter-es384-1' } }), /no registered key/],
    ['a bad signature', async () => bulkAssertion({ signWith: (await newClientKey('RS384', 'x')).privateJwk }), /bad signature/],
    ['an unsupported algorithm (RS512)', () => bulkAssertion({ header: { alg: 'RS512' } }), /RS512 is not supported/],
    ['an HMAC algorithm', () => bulkAssertion({ header: { alg: 'HS256' }, signWith: { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' } }), /HS256 is not supported/],
    ['alg none', () => bulkAssertion({ header: { alg: 'none' } }), /alg none/],
    ['no kid', () => bulkAssertion({ header: { kid: undefined } }), /kid/],
    ['a typ other than JWT', () => bulkAssertion({ header: { typ: 'at+jwt' } }), /typ/],
    ['a jku that is not the registered jwks_uri', () => bulkAssertion({ header: { jku: host.url('/rotating') } }), /jku/],
    ['an unknown client', () => clientAssertion(server, 'no-such-client', 'bulk-exporter-rs384-1'), /could not be verified: no registered key/],
    ['a confidential-symmetric client', () => clientAssertion(server, 'growth-chart', 'bulk-exporter-rs384-1'), /could not be verified: no registered key/],
    ['a string that is not a JWT', async () => 'not-a-jwt', /not a signed JWT/],
    ['a JWT with an undecodable payload', async () => 'eyJhbGciOiJSUzM4NCJ9.%%%.c2ln', /well-formed/],
  ];

  it.each(refusals)('refuses %s with invalid_client', async (_name, build, because) => {
    await expectInvalidClient(await backendToken(await build()), because);
  });

  /** Signed with node:crypto directly: jose refuses to sign with a short RSA key or an unknown crit. */
  const rawAssertion = (clientId: string, header: Record<string, unknown>, key: KeyObject) => {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { iss: clientId, sub: clientId, aud: `${server.config.issuer}/token`, exp: now + 240, iat: now, jti: randomUUID() };
    const input = `${part({ alg: 'RS384', typ: 'JWT', ...header })}.${part(claims)}`;
    return `${input}.${sign('sha384', Buffer.from(input), key).toString('base64url')}`;
  };

  it.each([
    ['a registered RSA key shorter than 2048 bits', () => rawAssertion('weak-rsa', { kid: 'weak-1' }, WEAK_RSA.privateKey), /shorter than 2048 bits/],
    ['a key registered for encryption only', () => rawAssertion('encryption-key', { kid: 'enc-1' }, SOUND_RSA.privateKey), /no registered key/],
    ['a crit header', () => rawAssertion('sound-rsa', { kid: 'sound-1', crit: ['exp'], exp: 1 }, SOUND_RSA.privateKey), /extensions/],
    ['an unencoded payload (b64)', () => rawAssertion('sound-rsa', { kid: 'sound-1', b64: false }, SOUND_RSA.privateKey), /extensions/],
  ] as const)('refuses %s with invalid_client', async (_name, build, because) => {
    await expectInvalidClient(await backendToken(build()), because);
  });

  it('accepts a registered key without alg or use, signed with node:crypto', async () => {
    const res = await backendToken(rawAssertion('sound-rsa', { kid: 'sound-1' }, SOUND_RSA.privateKey));
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it('answers an unknown client exactly as a known client whose key is unknown', async () => {
    const unknownClient = await expectInvalidClient(await backendToken(await clientAssertion(server, 'no-such-client', 'bulk-exporter-rs384-1', { header: { kid: 'k' } })), /./);
    const unknownKey = await expectInvalidClient(await backendToken(await bulkAssertion({ header: { kid: 'k' } })), /./);
    expect(unknownClient).toBe(unknownKey);
  });

  it('refuses a disabled client', async () => {
    await setClientDisabled(server.deps.db, 'bulk-exporter', true);
    try {
      await expectInvalidClient(await backendToken(await bulkAssertion()), /could not be verified/);
    } finally {
      await setClientDisabled(server.deps.db, 'bulk-exporter', false);
    }
    expect((await backendToken(await bulkAssertion())).status).toBe(200);
  });

  it('refuses a body client_id that differs from the assertion iss', async () => {
    await expectInvalidClient(await backendToken(await bulkAssertion(), { client_id: 'cardio-risk' }), /client_id/);
  });

  it('refuses a wrong client_assertion_type with 401 invalid_client', async () => {
    const res = await postToken(server, {
      ...BACKEND_REQUEST,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
      client_assertion: await bulkAssertion(),
    });
    await expectInvalidClient(res, /client_assertion_type/);
  });

  it('refuses an assertion sent along with another authentication method', async () => {
    const res = await postToken(server, { ...BACKEND_REQUEST, ...assertionForm(await bulkAssertion()) }, {
      authorization: basic('growth-chart', SECRETS['growth-chart']),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses an assertion used a second time (jti replay)', async () => {
    const assertion = await bulkAssertion();
    expect((await backendToken(assertion)).status).toBe(200);
    await expectInvalidClient(await backendToken(assertion), /replayed/);
  });

  it('accepts exactly one of two identical assertions sent at the same time', async () => {
    const assertion = await bulkAssertion();
    const statuses = (await Promise.all([backendToken(assertion), backendToken(assertion)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401]);
  });

  it('scopes jti to the client: another client may use the same jti', async () => {
    const jti = `shared-${Date.now()}`;
    expect((await backendToken(await bulkAssertion({ claims: { jti } }))).status).toBe(200);
    const sig = rotating[0]!.privateJwk;
    const res = await backendToken(await clientAssertion(server, 'remote-shared-jti', 'rotating-1', { claims: { jti }, signWith: sig }));
    expect(res.status).toBe(200);
  });

  it('fetches a jwks_uri once, honours jku equal to it, and picks up a key rotated at the source after an unknown kid', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const sign = (key: (typeof rotating)[number], options: AssertionOptions = {}) =>
      clientAssertion(server, 'remote-rotating', String(key.privateJwk.kid), { signWith: key.privateJwk, ...options });
    const before = host.fetches('/rotating');

    expect((await backendToken(await sign(rotating[0]!))).status).toBe(200);
    expect((await backendToken(await sign(rotating[0]!, { header: { jku: host.url('/rotating') } }))).status).toBe(200);
    expect(host.fetches('/rotating')).toBeLessThanOrEqual(before + 1);

    // Rotated at the source: the new kid is unknown to the cache; it was fetched moments ago, so no refetch yet.
    host.serve('/rotating', { jwks: { keys: [rotating[1]!.publicJwk] }, cacheControl: 'max-age=300' });
    const fetchesBeforeRotation = host.fetches('/rotating');
    await expectInvalidClient(await backendToken(await sign(rotating[1]!)), /no registered key/);
    expect(host.fetches('/rotating')).toBe(fetchesBeforeRotation);

    vi.setSystemTime(Date.now() + 11_000);
    expect((await backendToken(await sign(rotating[1]!))).status).toBe(200);
    expect(host.fetches('/rotating')).toBe(fetchesBeforeRotation + 1);
    // The retired key is gone, and another unknown kid within 10 s does not fetch again.
    await expectInvalidClient(await backendToken(await sign(rotating[0]!)), /no registered key/);
    expect(host.fetches('/rotating')).toBe(fetchesBeforeRotation + 1);
  });

  it('keeps fetched keys for the Cache-Control max-age, then fetches again', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const sign = () => clientAssertion(server, 'remote-short-lived', 'rotating-1', { signWith: rotating[0]!.privateJwk });
    expect((await backendToken(await sign())).status).toBe(200);
    const fetched = host.fetches('/short-lived');
    vi.setSystemTime(Date.now() + 30_000);
    expect((await backendToken(await sign())).status).toBe(200);
    expect(host.fetches('/short-lived')).toBe(fetched);
    vi.setSystemTime(Date.now() + 31_000);
    expect((await backendToken(await sign())).status).toBe(200);
    expect(host.fetches('/short-lived')).toBe(fetched + 1);
  });

  it.each([
    ['answers 500', 'broken'],
    ['is larger than 64 KiB', 'huge'],
    ['holds private keys', 'private'],
    ['answers after the 3 s timeout', 'slow'],
  ])('refuses with invalid_client when the jwks_uri %s', async (_what, name) => {
    const assertion = await clientAssertion(server, `remote-${name}`, 'rotating-1', { signWith: rotating[0]!.privateJwk });
    await expectInvalidClient(await backendToken(assertion), /keys could not be read/);
  }, 10_000);

  it('does not fetch a failing jwks_uri again within 10 s', async () => {
    const before = host.fetches('/broken');
    const assertion = () => clientAssertion(server, 'remote-broken', 'rotating-1', { signWith: rotating[0]!.privateJwk });
    await expectInvalidClient(await backendToken(await assertion()), /keys could not be read/);
    await expectInvalidClient(await backendToken(await assertion()), /keys could not be read/);
    expect(host.fetches('/broken') - before).toBeLessThanOrEqual(1);
  });

  it('authenticates with an assertion at /revoke too', async () => {
    const issued = (await (await backendToken(await bulkAssertion())).json()) as { access_token: string };
    const revoke = await fetch(`${server.baseUrl}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: issued.access_token, ...assertionForm(await bulkAssertion()) }).toString(),
    });
    expect(revoke.status).toBe(200);
    const bad = await fetch(`${server.baseUrl}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: issued.access_token, ...assertionForm(await bulkAssertion({ claims: { exp: now() - 5 } })) }).toString(),
    });
    await expectInvalidClient(bad, /expired/);
  });
});
