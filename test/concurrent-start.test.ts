import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';
import { migrateToLatest, openDatabase, type OpenDatabase } from '../src/db/index.ts';
import { writeConfiguredRecords } from '../src/store/configured-records.ts';
import { TEST_DATABASE_URL } from './helpers/databases.ts';
import { DEFAULT_CONFIG_DIR, freshPostgresSchema } from './helpers/server.ts';

/**
 * `npm start` on PostgreSQL forks a worker per core, and every one writes
 * smart-config/'s clients and users at start, as do instances started together
 * behind a load balancer. An upsert by id does not cover the username's unique
 * index: two instances inserting the same new user at once stopped one start
 * with a duplicate key (the project CI's failure). Eight connections write the
 * same users into an empty table at once, a hundred times; with each upsert on
 * its own, as before, a few of the 800 writes failed here.
 */
describe.runIf(TEST_DATABASE_URL)('instances writing the configured records at once', () => {
  const INSTANCES = 8;
  const ROUNDS = 100;
  let fresh: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let instances: OpenDatabase[] = [];
  beforeAll(async () => {
    fresh = await freshPostgresSchema();
    instances = await Promise.all(
      Array.from({ length: INSTANCES }, () => openDatabase({ kind: 'postgres', url: fresh.url, schema: fresh.schema, poolSize: 1 })),
    );
    await migrateToLatest(instances[0]!.db);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close()));
    await fresh?.drop();
  });

  it('all succeed, and every configured client and user is there once', async () => {
    const config = loadConfig({ SMART_CONFIG_DIR: DEFAULT_CONFIG_DIR, PGLITE_DIR: 'memory' });
    // Stored hashes: no scrypt per write, so the writes meet as closely as a start's do.
    const users = config.users.map((u) => ({ ...u, password: undefined, passwordHash: `scrypt$test$${u.id}` }));
    const db = instances[0]!.db;
    const failures: string[] = [];
    const writeAtOnce = async (records: Parameters<typeof writeConfiguredRecords>[1]) => {
      const results = await Promise.allSettled(instances.map((i) => writeConfiguredRecords(i.db, records)));
      for (const r of results) if (r.status === 'rejected') failures.push(String(r.reason));
    };
    // Users alone: nothing before them staggers the instances, so their inserts meet.
    for (let round = 0; round < ROUNDS; round++) {
      await sql`delete from users`.execute(db);
      await writeAtOnce({ clients: [], users, launcherEnabled: true });
    }
    await sql`delete from users`.execute(db);
    await writeAtOnce({ clients: config.clients, users, launcherEnabled: false });
    expect(failures).toEqual([]);
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    const stored = await db.selectFrom('users').select(['id', 'username']).execute();
    expect(stored.sort(byId)).toEqual(users.map((u) => ({ id: u.id, username: u.username })).sort(byId));
    const clients = await db.selectFrom('clients').select('id').execute();
    expect(clients.map((c) => c.id).sort()).toEqual(config.clients.map((c) => c.id).sort());
  }, 120_000);
});
