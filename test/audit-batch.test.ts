import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type OpenDatabase } from '../src/db/index.ts';
import { AuditBatch } from '../src/store/audit.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { freshPostgresSchema } from './helpers/server.ts';

describeEachDatabase('audit batch', (kind) => {
  let database: OpenDatabase;
  let dropSchema: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (kind === 'pglite') database = await openDatabase({ kind: 'pglite', dir: 'memory' });
    else {
      const fresh = await freshPostgresSchema();
      dropSchema = fresh.drop;
      database = await openDatabase({ kind: 'postgres', url: fresh.url, schema: fresh.schema });
    }
    await migrateToLatest(database.db);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    await dropSchema?.();
  });

  const count = async () => Number((await sql<{ n: number }>`select count(*)::int as n from audit_events`.execute(database.db)).rows[0]!.n);

  it('writes every value as given, in order, nulls and awkward text included', async () => {
    const batch = new AuditBatch(database.db, () => {}, { flushMs: 10_000, maxEvents: 500, retryMs: 10_000, maxPending: 100 });
    const awkward = ['a "quoted" {brace}, comma', 'back\\slash \\" end', 'é ✓ 🙂', 'NULL', ''];
    const start = await count();
    for (const [i, text] of awkward.entries())
      batch.add({ event: 'token.introspected', clientId: text, userId: i % 2 ? null : text, patient: text, requestId: `r${i}`, details: { text, i } });
    await batch.flush();
    const rows = await database.db.selectFrom('audit_events').selectAll().orderBy('id').offset(start).execute();
    expect(rows.map((r) => [r.client_id, r.user_id, r.patient, r.request_id, r.details])).toEqual(
      awkward.map((text, i) => [text, i % 2 ? null : text, text, `r${i}`, { text, i }]),
    );
  });

  it('keeps the events of a batch the database refused and writes them once it can', async () => {
    const failures: Array<{ retrying: number; lost: number }> = [];
    const batch = new AuditBatch(database.db, (_error, counts) => failures.push(counts), {
      flushMs: 10_000, maxEvents: 500, retryMs: 10_000, maxPending: 100,
    });
    const start = await count();
    await sql`alter table audit_events rename to audit_events_away`.execute(database.db);
    for (let i = 0; i < 3; i++) batch.add({ event: 'fhir.accessed', clientId: 'c', details: { n: i } });
    await batch.flush();
    expect(failures).toEqual([{ retrying: 3, lost: 0 }]);
    await sql`alter table audit_events_away rename to audit_events`.execute(database.db);
    batch.add({ event: 'fhir.accessed', clientId: 'c', details: { n: 3 } });
    await batch.flush();
    expect(await count()).toBe(start + 4);
    const rows = await database.db.selectFrom('audit_events').select('details').orderBy('id').offset(start).execute();
    expect(rows.map((r) => (r.details as { n: number }).n)).toEqual([0, 1, 2, 3]);
  });
});
