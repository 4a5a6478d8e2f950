import { createServer, type Socket } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachesOf, type PostgresChangeFeed } from '../../src/cache/index.ts';
import { setClientDisabled } from '../../src/store/clients.ts';
import { openDatabase } from '../../src/db/index.ts';
import { grantIdOfJti } from '../../src/store/revocations.ts';
import { TEST_DATABASE_URL } from '../helpers/databases.ts';
import { decodeJwt } from '../helpers/oauth.ts';
import { freshPostgresSchema, startTestServer, startTwoInstances, type TestServer } from '../helpers/server.ts';
import { introspect, introspection, launchTokens, refuseServerErrors, revoke, type Json } from './token-lifecycle-support.ts';

refuseServerErrors();

/**
 * Introspection answers from each instance's cache of verified tokens
 * (src/cache/); a change at any instance reaches every other one by NOTIFY,
 * and while an instance cannot hear NOTIFY it reads the database.
 */

/** Introspects at `server` until the token is inactive (bounded); the time it took, for the log only. */
async function untilInactive(server: TestServer, token: unknown): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < 500; i++) {
    if ((await introspection(server, token)).active === false) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the token stayed active');
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe.runIf(TEST_DATABASE_URL)('two instances on one PostgreSQL database', () => {
  let instances: Awaited<ReturnType<typeof startTwoInstances>>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    instances = await startTwoInstances();
    ({ a, b } = instances);
  }, 180_000);
  afterAll(async () => {
    await instances?.close();
  });

  const cachedAtB = async (): Promise<Json> => {
    const { tokens } = await launchTokens(a);
    // Twice at B: the second answer comes from B's cache.
    expect((await introspection(b, tokens.access_token)).active).toBe(true);
    expect((await introspection(b, tokens.access_token)).active).toBe(true);
    return tokens;
  };

  it('sees a revocation made at the other instance', async () => {
    const tokens = await cachedAtB();
    expect((await revoke(a, { token: String(tokens.refresh_token) })).status).toBe(200);
    const ms = await untilInactive(b, tokens.access_token);
    console.log(`revocation at A seen at B after ${ms.toFixed(1)} ms`);
  }, 120_000);

  it('sees a client disabled at the other instance, and enabled again', async () => {
    const tokens = await cachedAtB();
    await setClientDisabled(a.deps.db, 'growth-chart', true);
    await untilInactive(b, tokens.access_token);
    await setClientDisabled(a.deps.db, 'growth-chart', false);
    for (let i = 0; i < 500 && (await introspection(b, tokens.access_token)).active !== true; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await introspection(b, tokens.access_token)).active).toBe(true);
  }, 120_000);

  it('stops taking an introspector\'s credentials disabled at the other instance', async () => {
    const tokens = await cachedAtB();
    const status = async () => (await introspect(b, { token: String(tokens.access_token) })).status;
    await setClientDisabled(a.deps.db, 'fhir-server', true);
    try {
      for (let i = 0; i < 500 && (await status()) !== 401; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await status()).toBe(401);
    } finally {
      await setClientDisabled(a.deps.db, 'fhir-server', false);
    }
    for (let i = 0; i < 500 && (await status()) !== 200; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await status()).toBe(200);
  }, 120_000);

  it('reads the database while its listener is disconnected, and caches again once it is back', async () => {
    const tokens = await cachedAtB();
    const feed = cachesOf(b.deps.db)!.feed as PostgresChangeFeed;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend($1)', [feed.backendPid]);
      await until('B to notice', () => !feed.live);
      // A change B cannot hear of: its cached answer would be wrong now.
      const grantId = grantIdOfJti(String(decodeJwt(String(tokens.access_token)).jti));
      await admin.query(`update ${instances.schema}.grants set revoked_at = now(), revoked_reason = 'test' where id = $1`, [grantId]);
      expect((await introspection(b, tokens.access_token)).active).toBe(false);
    } finally {
      await admin.end();
    }
    await until('B to listen again', () => feed.live);
    expect((await introspection(b, tokens.access_token)).active).toBe(false);
    const fresh = await cachedAtB();
    expect((await introspection(b, fresh.access_token)).active).toBe(true);
  }, 120_000);
});

describe.runIf(TEST_DATABASE_URL)('a listener address that accepts and never answers (DATABASE_LISTEN_URL)', () => {
  it('starts anyway, answers from the database meanwhile, and keeps trying', async () => {
    const sockets: Socket[] = [];
    let attempts = 0;
    const silent = createServer((socket) => {
      attempts++;
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const fresh = await freshPostgresSchema();
    let server: TestServer | undefined;
    try {
      const database = await openDatabase({
        kind: 'postgres',
        url: fresh.url,
        schema: fresh.schema,
        poolSize: 4,
        listenUrl: `postgres://postgres@127.0.0.1:${port}/test`,
      });
      // Without a connect timeout on the listener this start never returns.
      server = await startTestServer('postgres', { database: { kind: 'open', database } });
      const feed = cachesOf(server.deps.db)!.feed as PostgresChangeFeed;
      expect(feed.live).toBe(false);
      const { tokens } = await launchTokens(server);
      expect((await introspection(server, tokens.access_token)).active).toBe(true);
      expect((await revoke(server, { token: String(tokens.refresh_token) })).status).toBe(200);
      expect((await introspection(server, tokens.access_token)).active).toBe(false);
      // The first connect timed out; the feed keeps reconnecting with a backoff.
      await until('a second connection attempt', () => attempts >= 2);
    } finally {
      await server?.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
      await fresh.drop();
    }
  }, 120_000);
});

describe('one instance on PGlite', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  it('drops a cached token when its grant is revoked by SQL alone (the in-process notification)', async () => {
    const { tokens } = await launchTokens(server);
    expect((await introspection(server, tokens.access_token)).active).toBe(true);
    expect((await introspection(server, tokens.access_token)).active).toBe(true);
    const grantId = grantIdOfJti(String(decodeJwt(String(tokens.access_token)).jti));
    await sql`update grants set revoked_at = now(), revoked_reason = 'test' where id = ${grantId}`.execute(server.deps.db);
    await untilInactive(server, tokens.access_token);
  }, 120_000);

  it('answers a revocation made through this instance at once', async () => {
    const { tokens } = await launchTokens(server);
    expect((await introspection(server, tokens.access_token)).active).toBe(true);
    expect((await revoke(server, { token: String(tokens.access_token) })).status).toBe(200);
    expect((await introspection(server, tokens.access_token)).active).toBe(false);
  }, 120_000);
});
