import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type OpenDatabase } from '../src/db/index.ts';
import { AuditBatch } from '../src/store/audit.ts';

let database: OpenDatabase;
beforeAll(async () => {
  database = await openDatabase({ kind: 'pglite', dir: 'memory' });
  await migrateToLatest(database.db);
});
afterAll(async () => {
  await database?.close();
});

const count = async () => Number((await sql<{ n: number }>`select count(*)::int as n from audit_events`.execute(database.db)).rows[0]!.n);

it('keeps the events of a batch the database refused and writes them once it can', async () => {
  const failures: Array<{ retrying: number; lost: number }> = [];
  const batch = new AuditBatch(database.db, (_error, counts) => failures.push(counts), {
    flushMs: 10_000, maxEvents: 500, retryMs: 10_000, maxPending: 100,
  });
  await sql`alter table audit_events rename to audit_events_away`.execute(database.db);
  for (let i = 0; i < 3; i++) batch.add({ event: 'fhir.accessed', clientId: 'c', details: { n: i } });
  await batch.flush();
  expect(failures).toEqual([{ retrying: 3, lost: 0 }]);
  await sql`alter table audit_events_away rename to audit_events`.execute(database.db);
  batch.add({ event: 'fhir.accessed', clientId: 'c', details: { n: 3 } });
  await batch.flush();
  expect(await count()).toBe(4);
  const rows = await database.db.selectFrom('audit_events').select('details').orderBy('id').execute();
  expect(rows.map((r) => (r.details as { n: number }).n)).toEqual([0, 1, 2, 3]);
});
