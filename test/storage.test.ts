import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../db/migrations/index.ts';
import { migrateToLatest, openDatabase, type DatabaseTarget } from '../src/db/index.ts';
import { describeEachDatabase, TEST_DATABASE_URL } from './helpers/databases.ts';
import { basic, newLaunch, SECRETS } from './helpers/oauth.ts';
import { loadConfig } from '../src/config/index.ts';
import { DEFAULT_CONFIG_DIR, freshPostgresSchema, startTestServer, type TestServerOptions } from './helpers/server.ts';

/** A PGlite folder on a loaded 2-core machine: every migration is many synced DDL statements. */
const SLOW_DISK = 180_000;

const TABLES = [
  'audit_events', 'authorization_codes', 'client_assertion_jtis', 'clients', 'grants', 'interactions', 'launches',
  'rate_limits', 'refresh_tokens', 'revocations', 'sessions', 'signing_keys', 'users',
];

/** A database that outlives one server: a PGlite folder or a PostgreSQL schema. */
async function persistentDatabase(kind: 'pglite' | 'postgres') {
  if (kind === 'postgres') {
    const fresh = await freshPostgresSchema();
    return {
      target: { kind: 'postgres', url: fresh.url, schema: fresh.schema } as const,
      server: { kind: 'postgres', url: fresh.url, schema: fresh.schema } as NonNullable<TestServerOptions['database']>,
      cleanup: fresh.drop,
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'pglite-'));
  return {
    target: { kind: 'pglite', dir } as const,
    server: { kind: 'pglite-dir', dir } as NonNullable<TestServerOptions['database']>,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describeEachDatabase('storage', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('creates every table of the data model, and a second migration run changes nothing', async () => {
    const store = await persistentDatabase(kind);
    cleanups.push(store.cleanup);
    const { db, close } = await openDatabase(store.target as DatabaseTarget);
    try {
      expect(await migrateToLatest(db)).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(db)).toEqual([]);
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = current_schema() and table_name not like 'kysely_%' order by table_name`.execute(db);
      expect(tables.rows.map((r) => r.table_name)).toEqual(TABLES);
    } finally {
      await close();
    }
  }, SLOW_DISK);

  it('keeps signing keys and registered launches across a restart', async () => {
    const store = await persistentDatabase(kind);
    cleanups.push(store.cleanup);
    const first = await startTestServer(kind, { database: store.server });
    const jwksBefore = await (await fetch(`${first.baseUrl}/jwks`)).json();
    const launch = await newLaunch(first, { patient: 'p001' });
    await first.close();

    const second = await startTestServer(kind, { database: store.server });
    try {
      expect(await (await fetch(`${second.baseUrl}/jwks`)).json()).toEqual(jwksBefore);
      const read = await fetch(`${second.baseUrl}/launches/${launch}`, {
        headers: { authorization: basic('ehr-integrator', SECRETS['ehr-integrator']) },
      });
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ status: 'active', patient: 'p001' });
    } finally {
      await second.close();
    }
  }, SLOW_DISK);

  it('stores secrets only as hashes', async () => {
    const server = await startTestServer(kind);
    try {
      const launch = await newLaunch(server, { patient: 'p002' });
      const rows = await server.deps.db.selectFrom('launches').selectAll().execute();
      const clients = await server.deps.db.selectFrom('clients').select(['id', 'secret_hash']).execute();
      const users = await server.deps.db.selectFrom('users').select(['username', 'password_hash']).execute();
      expect(JSON.stringify(rows)).not.toContain(launch);
      expect(JSON.stringify(clients)).not.toContain(SECRETS['growth-chart']);
      expect(users.every((u) => u.password_hash.startsWith('scrypt$'))).toBe(true);
      expect(JSON.stringify(users)).not.toContain('carter-demo');
    } finally {
      await server.close();
    }
  });
});

describe.runIf(TEST_DATABASE_URL)('two instances on one PostgreSQL', () => {
  it('both come up together, migrate once, and serve the same JWKS', async () => {
    const fresh = await freshPostgresSchema();
    const database = { kind: 'postgres' as const, url: fresh.url, schema: fresh.schema };
    try {
      const [a, b] = await Promise.all([startTestServer('postgres', { database }), startTestServer('postgres', { database })]);
      try {
        const [ja, jb] = await Promise.all([a, b].map(async (s) => (await fetch(`${s.baseUrl}/jwks`)).json()));
        expect(ja).toEqual(jb);
        expect((ja as { keys: unknown[] }).keys).toHaveLength(2);
        const applied = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(a.deps.db);
        expect(applied.rows[0]!.n).toBe(Object.keys(migrations).length);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    } finally {
      await fresh.drop();
    }
  });
});

describe.runIf(TEST_DATABASE_URL)('one PostgreSQL database, many schemas', () => {
  it('migrates a schema while other schemas on the same database are created and dropped', async () => {
    // Kysely's own introspection reads every schema by name and failed ("schema ... does not exist")
    // when another test file dropped its schema meanwhile.
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning && i < 2_000; i++) {
        const other = `churn_${process.pid}_${i}`;
        await admin.query(`create schema ${other}; create table ${other}.a (id int, note text); create table ${other}.b (id int)`);
        await admin.query(`drop schema ${other} cascade`);
      }
    })();
    const schemas: Array<{ drop(): Promise<void> }> = [];
    try {
      for (let round = 0; round < 4; round++) {
        const fresh = await freshPostgresSchema();
        schemas.push(fresh);
        const { db, close } = await openDatabase({ kind: 'postgres', url: fresh.url, schema: fresh.schema, poolSize: 2 });
        try {
          expect(await migrateToLatest(db)).toEqual(Object.keys(migrations));
        } finally {
          await close();
        }
      }
    } finally {
      churning = false;
      await churn;
      await admin.end();
      for (const schema of schemas) await schema.drop();
    }
  }, SLOW_DISK);
});

describe.runIf(TEST_DATABASE_URL)('prepared statements on PostgreSQL', () => {
  it('can be turned off for a transaction-mode pooler: DATABASE_PREPARED_STATEMENTS=false', async () => {
    const fresh = await freshPostgresSchema();
    const target = loadConfig({
      SMART_CONFIG_DIR: DEFAULT_CONFIG_DIR,
      DATABASE_URL: fresh.url,
      DATABASE_PREPARED_STATEMENTS: 'false',
    }).database;
    expect(target).toMatchObject({ kind: 'postgres', preparedStatements: false });
    const { db, close } = await openDatabase({ ...(target as Extract<DatabaseTarget, { kind: 'postgres' }>), schema: fresh.schema, poolSize: 1 });
    try {
      await migrateToLatest(db);
      await db.selectFrom('clients').select('id').where('id', '=', 'x').execute();
      const named = await sql<{ count: number }>`select count(*)::int as count from pg_prepared_statements`.execute(db);
      expect(named.rows[0]!.count).toBe(0);
    } finally {
      await close();
      await fresh.drop();
    }
  });

  it('are named statements by default, one per query shape on a connection', async () => {
    const fresh = await freshPostgresSchema();
    const { db, close } = await openDatabase({ kind: 'postgres', url: fresh.url, schema: fresh.schema, poolSize: 1 });
    try {
      await migrateToLatest(db);
      const read = (id: string) => db.selectFrom('clients').select('id').where('id', '=', id);
      for (const id of ['a', 'b', 'c']) await read(id).execute();
      const named = await sql<{ name: string }>`select name from pg_prepared_statements where statement = ${read('a').compile().sql}`.execute(db);
      expect(named.rows).toHaveLength(1);
      expect(named.rows[0]!.name).toMatch(/^sl_/);
    } finally {
      await close();
      await fresh.drop();
    }
  });


  it('survive a migration that changes a table under a cached select *', async () => {
    const fresh = await freshPostgresSchema();
    const { db, close } = await openDatabase({ kind: 'postgres', url: fresh.url, schema: fresh.schema, poolSize: 1 });
    try {
      await sql`create table t (id int primary key)`.execute(db);
      await sql`insert into t values (1)`.execute(db);
      const read = () => db.selectFrom('t' as never).selectAll().where('id' as never, '=', 1 as never).execute();
      expect(await read()).toEqual([{ id: 1 }]);
      expect(await read()).toEqual([{ id: 1 }]);
      await sql`alter table t add column note text default 'x'`.execute(db);
      expect(await read()).toEqual([{ id: 1, note: 'x' }]);
      expect(await read()).toEqual([{ id: 1, note: 'x' }]);
    } finally {
      await close();
      await fresh.drop();
    }
  });
});
