import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSigningKeys } from '../../src/store/signing-keys.ts';
import { rotateKeys, rotationPolicy } from '../../src/tokens/rotation.ts';
import { describeEachDatabase, TEST_DATABASE_URL } from '../helpers/databases.ts';
import { freshPostgresSchema, startTestServer, type TestServer } from '../helpers/server.ts';
import { introspection, launchTokens, refresh, refuseServerErrors, type Json } from './token-lifecycle-support.ts';

const kidOf = (jwt: unknown) => (JSON.parse(Buffer.from(String(jwt).split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
const jwksOf = async (server: TestServer) => (await (await fetch(`${server.baseUrl}/jwks`)).json()) as JSONWebKeySet;
const kids = async (server: TestServer) => (await jwksOf(server)).keys.map((k) => k.kid);

/** Polls (bounded) until `check` holds; the loaded machine gets generous time. */
async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const configure = (config: TestServer['config']) => {
  config.keys.publishBeforeUseSeconds = 2;
  config.keys.reloadIntervalSeconds = 1;
};

describeEachDatabase('signing-key rotation', (kind) => {
  refuseServerErrors();
  let a: TestServer;
  beforeAll(async () => {
    a = await startTestServer(kind, { configure });
  });
  afterAll(async () => {
    await a?.close();
  });

  it('publishes the new keys before they sign, then signs with them while earlier tokens keep verifying', async () => {
    const before = (await launchTokens(a)).tokens;
    const [oldAccessKid, oldIdKid] = [kidOf(before.access_token), kidOf(before.id_token)];

    const rotated = await rotateKeys(a.deps.db, rotationPolicy(a.config));
    await a.deps.keys.reloadKeys();
    const newKid = Object.fromEntries(rotated.map((r) => [r.purpose, r.kid]));
    expect(rotated.map((r) => r.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(await kids(a)).toEqual(expect.arrayContaining([oldAccessKid, oldIdKid, newKid.access_token, newKid.id_token]));

    // Refresh until the new access-token key signs: never before its activation.
    let refreshToken = String(before.refresh_token);
    const after = await eventually('the new key to sign', async () => {
      const res = await refresh(a, { refresh_token: refreshToken });
      const tokens = (await res.json()) as Json;
      refreshToken = String(tokens.refresh_token);
      return kidOf(tokens.access_token) === oldAccessKid ? undefined : tokens;
    });
    const activatesAt = rotated.find((r) => r.purpose === 'access_token')!.activatesAt.getTime();
    expect(kidOf(after.access_token)).toBe(newKid.access_token);
    expect(kidOf(after.id_token)).toBe(newKid.id_token);
    expect(Number((await introspection(a, after.access_token)).iat) * 1000).toBeGreaterThanOrEqual(activatesAt - 1000);

    // Tokens signed before the rotation: still in /jwks, still active at introspection.
    const jwks = createLocalJWKSet(await jwksOf(a));
    for (const token of [before.access_token, before.id_token, after.access_token, after.id_token])
      await expect(jwtVerify(String(token), jwks, { issuer: a.config.issuer })).resolves.toBeDefined();
    expect(await introspection(a, before.access_token)).toMatchObject({ active: true, client_id: 'growth-chart' });

    const stored = await listSigningKeys(a.deps.db);
    const old = stored.find((k) => k.kid === oldAccessKid)!;
    const lifetime = Math.max(a.config.tokens.accessTokenLifetimeSeconds, a.config.tokens.backendAccessTokenLifetimeSeconds);
    expect(old.retiredAt!.getTime()).toBeGreaterThanOrEqual(activatesAt + lifetime * 1000);
  });

  it('an immediate rotation signs at once; a rotation elsewhere reaches this instance within seconds, no restart', async () => {
    const previous = a.deps.keys.accessToken.kid;
    // Another process (the CLI, another instance) rotates: this instance only re-reads on its interval.
    const [rotated] = await rotateKeys(a.deps.db, rotationPolicy(a.config), { purposes: ['access_token'], publishBeforeUseSeconds: 0 });
    await eventually('the instance to load the rotated key', async () => (a.deps.keys.accessToken.kid === rotated!.kid ? true : undefined));
    expect(await kids(a)).toEqual(expect.arrayContaining([previous, rotated!.kid]));
  });
});

describe.runIf(TEST_DATABASE_URL)('signing-key rotation with two instances on one PostgreSQL', () => {
  refuseServerErrors();
  let fresh: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    fresh = await freshPostgresSchema();
    const database = { kind: 'postgres' as const, url: fresh.url, schema: fresh.schema };
    a = await startTestServer('postgres', { database, configure });
    // One service behind a load balancer: the same issuer and FHIR base on both instances.
    b = await startTestServer('postgres', {
      database,
      configure: (config) => {
        configure(config);
        Object.assign(config, { issuer: a.config.issuer, fhirBaseUrl: a.config.fhirBaseUrl, audiences: a.config.audiences });
      },
    });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await fresh?.drop();
  });

  it('rotates once when both instances find the schedule due together, and both then sign with the new key', async () => {
    const before = (await launchTokens(a)).tokens;
    // Due at once for both: the newest key has signed longer than rotateEvery minus the publication period.
    // One clock for both, so only the lock decides who rotates.
    const due = { ...rotationPolicy(a.config), publishBeforeUseSeconds: 2, rotateEverySeconds: 1 };
    const now = new Date();
    const results = await Promise.all([a, b].map((s) => rotateKeys(s.deps.db, due, { onlyIfDue: true, now })));
    const rotated = results.flat();
    expect(rotated.map((r) => r.purpose).sort()).toEqual(['access_token', 'id_token']);
    expect(results.filter((r) => r.length > 0)).toHaveLength(1);

    const newKid = rotated.find((r) => r.purpose === 'access_token')!.kid;
    for (const server of [a, b])
      await eventually(`${server.baseUrl} to sign with the new key`, async () =>
        server.deps.keys.accessToken.kid === newKid ? true : undefined,
      );
    expect(await kids(a)).toEqual(await kids(b));

    // B issues with the new key; A introspects it; both still accept the token A issued before.
    const refreshed = (await (await refresh(b, { refresh_token: String(before.refresh_token) })).json()) as Json;
    expect(kidOf(refreshed.access_token)).toBe(newKid);
    expect(await introspection(a, refreshed.access_token)).toMatchObject({ active: true });
    expect(await introspection(b, before.access_token)).toMatchObject({ active: true });
  });
});
