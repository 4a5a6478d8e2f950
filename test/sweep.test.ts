import { afterAll, beforeAll, expect, it } from 'vitest';
import { sweepExpired } from '../src/store/sweep.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

describeEachDatabase('sweeping expired rows', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('deletes what can no longer be used and keeps what still can', async () => {
    const { db } = server.deps;
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * 86_400_000);
    await db
      .insertInto('client_assertion_jtis')
      .values([
        { client_id: 'bulk-exporter', jti: 'old', expires_at: ago(1) },
        { client_id: 'bulk-exporter', jti: 'live', expires_at: ago(-1) },
      ])
      .execute();
    await db
      .insertInto('revocations')
      .values([
        { key: 'gone', kind: 'jti', client_id: null, reason: 'test', expires_at: ago(1) },
        { key: 'kept', kind: 'jti', client_id: null, reason: 'test', expires_at: ago(-1) },
      ])
      .execute();
    const launch = (id: string, expires: Date) => ({ id_hash: id, registered_by: 'ehr-integrator', need_patient_banner: true, extra: '{}', fhir_context: 'null', expires_at: expires });
    await db.insertInto('launches').values([launch('l-old', ago(8)), launch('l-recent', ago(1))]).execute();
    await db.insertInto('audit_events').values({ event: 'token.issued', details: '{}' }).execute();

    const deleted = await sweepExpired(db, server.config);
    expect(deleted).toMatchObject({ client_assertion_jtis: 1, revocations: 1, launches: 1 });
    expect((await db.selectFrom('client_assertion_jtis').select('jti').execute()).map((r) => r.jti)).toEqual(['live']);
    expect((await db.selectFrom('revocations').select('key').execute()).map((r) => r.key)).toEqual(['kept']);
    expect((await db.selectFrom('launches').select('id_hash').execute()).map((r) => r.id_hash)).toEqual(['l-recent']);
    expect(await db.selectFrom('audit_events').select('id').execute()).toHaveLength(1);
  });
});
