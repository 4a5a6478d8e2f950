import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../src/tokens/access-token.ts';
import { basic, SECRETS } from '../helpers/oauth.ts';
import { TEST_DATABASE_URL } from '../helpers/databases.ts';
import { startTestServer, startTwoInstances, type TestServer } from '../helpers/server.ts';

interface Sent {
  status: number;
  retryAfter: string | undefined;
  error: string | undefined;
}

/** A POST from a chosen loopback address (127.0.0.x), optionally naming another one in X-Forwarded-For. */
function post(server: TestServer, from: string, path: string, headers: Record<string, string>, body: string): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.baseUrl);
    const req = request(url, { method: 'POST', headers, localAddress: from }, (res) => {
      let text = '';
      res.on('data', (c) => (text += String(c)));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          retryAfter: res.headers['retry-after'],
          error: (JSON.parse(text || '{}') as { error?: string }).error,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = 'application/x-www-form-urlencoded';
// Delays long enough that no step outlives them on a loaded machine.
const limits = { freeFailures: 3, firstDelaySeconds: 60, lockFailures: 8, addressLockFailures: 200 };

describe('failed client authentication is throttled per (client, address), per client, per address', () => {
  let server: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    [server, proxied] = await Promise.all([
      startTestServer('pglite', { configure: (c) => Object.assign(c.clientAuth, limits) }),
      startTestServer('pglite', {
        configure: (c) => {
          Object.assign(c.clientAuth, limits);
          c.trustProxy = 'loopback';
        },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), proxied?.close()]);
  });

  const endpoints: Array<[string, string, (secret: string) => [Record<string, string>, string]]> = [
    ['/introspect', 'fhir-server', (s) => [{ 'content-type': form, authorization: basic('fhir-server', s) }, 'token=abc']],
    ['/revoke', 'growth-chart', (s) => [{ 'content-type': form, authorization: basic('growth-chart', s) }, 'token=abc']],
    ['/token', 'growth-chart', (s) => [{ 'content-type': form }, `grant_type=refresh_token&refresh_token=x&client_id=growth-chart&client_secret=${s}`]],
    ['/launches', 'ehr-integrator', (s) => [{ 'content-type': 'application/json', authorization: basic('ehr-integrator', s) }, '{"patient":"p001"}']],
  ];
  it.each(endpoints)('%s: after the free failures, the client at that address waits (429 + Retry-After); elsewhere it works', async (path, client, send) => {
    const from = `127.0.4.${endpoints.findIndex((e) => e[0] === path) + 1}`;
    for (let i = 0; i <= limits.freeFailures; i++) {
      const res = await post(server, from, path, ...send('wrong-secret-of-enough-length-000000'));
      expect(res.status).toBe(401);
      expect(res.error).toBe('invalid_client');
    }
    const right = send(SECRETS[client as keyof typeof SECRETS]);
    const refused = await post(server, from, path, ...right);
    expect(refused.status).toBe(429);
    expect(refused.error).toBe('invalid_client');
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    const elsewhere = await post(server, '127.0.5.1', path, ...right);
    expect(elsewhere.status).toBeLessThan(429);
    expect(elsewhere.status).not.toBe(401);
  });

  it('/introspect of an access token (the one-query path) counts failures too, and a delayed client fails with 429', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = signAccessToken(server.deps.keys.accessToken, {
      iss: server.config.issuer, aud: server.config.fhirBaseUrl, sub: 'bulk-exporter', client_id: 'bulk-exporter',
      scope: 'system/Patient.rs', jti: 'g-throttle.1', iat: now, exp: now + 300,
    });
    // An unknown id counts like a real one; fhir-server's own count is the next test's.
    const wrong = [{ 'content-type': form, authorization: basic('unknown-resource-server', 'nope') }, `token=${token}`] as const;
    for (let i = 0; i <= limits.freeFailures; i++) expect((await post(server, '127.0.9.1', '/introspect', ...wrong)).status).toBe(401);
    const delayed = await post(server, '127.0.9.1', '/introspect', ...wrong);
    expect(delayed).toMatchObject({ status: 429, error: 'invalid_client' });
    expect(Number(delayed.retryAfter)).toBeGreaterThan(0);
  });

  it('locks a client id only at lockFailures failures from many addresses, and audits it', async () => {
    const wrong = [{ 'content-type': form, authorization: basic('fhir-server', 'nope') }, 'token=abc'] as const;
    // fhir-server already failed freeFailures + 1 times above (from 127.0.4.1).
    for (let i = limits.freeFailures + 1; i <= limits.lockFailures; i++) expect((await post(server, `127.0.6.${i}`, '/introspect', ...wrong)).status).toBe(401);
    const locked = await post(server, '127.0.7.1', '/introspect', { 'content-type': form, authorization: basic('fhir-server', SECRETS['fhir-server']) }, 'token=abc');
    expect(locked.status).toBe(429);
    const audit = await server.deps.db.selectFrom('audit_events').select('details').where('event', '=', 'client.locked').execute();
    expect(audit.map((a) => (a.details as { claimedClientId: string }).claimedClientId)).toEqual(['fhir-server']);
  });

  it('server.trustProxy: behind a trusted proxy the address is X-Forwarded-For; otherwise that header is ignored', async () => {
    const wrong = (xff: string) => [{ 'content-type': form, authorization: basic('ehr-integrator', 'nope'), 'x-forwarded-for': xff }, '{}'] as const;
    const right = (xff: string) => [{ 'content-type': form, authorization: basic('ehr-integrator', SECRETS['ehr-integrator']), 'x-forwarded-for': xff }, 'token=abc'] as const;
    for (let i = 0; i <= limits.freeFailures; i++) await post(proxied, '127.0.8.1', '/introspect', ...wrong('203.0.113.7'));
    expect((await post(proxied, '127.0.8.1', '/introspect', ...right('203.0.113.7'))).status).toBe(429);
    // Another client behind the same proxy is a different address.
    expect((await post(proxied, '127.0.8.1', '/introspect', ...right('203.0.113.8'))).status).not.toBe(429);
    // Without trustProxy, a forged header does not escape the delay.
    for (let i = 0; i <= limits.freeFailures; i++) await post(server, '127.0.8.2', '/introspect', ...wrong(`198.51.100.${i}`));
    expect((await post(server, '127.0.8.2', '/introspect', ...right('198.51.100.99'))).status).toBe(429);
  });
});

describe.runIf(TEST_DATABASE_URL)('the client throttle across two instances on one PostgreSQL database', () => {
  let instances: Awaited<ReturnType<typeof startTwoInstances>>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    instances = await startTwoInstances({ configure: (c) => Object.assign(c.clientAuth, limits) });
    ({ a, b } = instances);
  }, 180_000);
  afterAll(async () => {
    await instances?.close();
  });

  it('a client answered from memory at B ("no failures here") is delayed at B once it fails at A', async () => {
    const from = '127.0.9.1';
    const introspect = (server: TestServer, secret: string) =>
      post(server, from, '/introspect', { 'content-type': form, authorization: basic('fhir-server', secret) }, 'token=abc');
    // Twice at B: the second check is answered from B's memory.
    expect((await introspect(b, SECRETS['fhir-server'])).status).toBe(200);
    expect((await introspect(b, SECRETS['fhir-server'])).status).toBe(200);
    for (let i = 0; i <= limits.freeFailures; i++) expect((await introspect(a, 'wrong-secret-of-enough-length-000000')).status).toBe(401);
    // Within one NOTIFY, B refuses the right secret too.
    await expect.poll(async () => (await introspect(b, SECRETS['fhir-server'])).status, { timeout: 30_000, interval: 20 }).toBe(429);
  }, 120_000);
});
