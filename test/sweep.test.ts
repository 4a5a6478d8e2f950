import { afterAll, beforeAll, expect, it } from 'vitest';
import { toJson } from '../src/store/json.ts';
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
        { jti: 'gone', client_id: null, reason: 'test', expires_at: ago(1) },
        { jti: 'kept', client_id: null, reason: 'test', expires_at: ago(-1) },
      ])
      .execute();
    const launch = (id: string, expires: Date) => ({ id_hash: id, registered_by: 'ehr-integrator', need_patient_banner: true, extra: toJson({}), fhir_context: toJson(null), expires_at: expires });
    await db.insertInto('launches').values([launch('l-old', ago(8)), launch('l-recent', ago(1))]).execute();
    await db.insertInto('audit_events').values({ event: 'token.issued', details: toJson({}) }).execute();
    // Grants: one whose tokens are all gone long ago, one still holding a refresh token, one recent.
    const grant = (id: string, created: Date) => ({ id, client_id: 'growth-chart', scope: 'openid', aud: server.config.fhirBaseUrl, context: toJson({}), launch_extra: toJson({}), created_at: created });
    await db.insertInto('grants').values([grant('g-old', ago(3)), grant('g-refresh', ago(3)), grant('g-recent', ago(0))]).execute();
    await db.insertInto('refresh_tokens').values({ token_hash: 'rt', grant_id: 'g-refresh', expires_at: ago(-30) }).execute();

    const deleted = await sweepExpired(db, server.config);
    expect(deleted).toMatchObject({ client_assertion_jtis: 1, revocations: 1, launches: 1, grants: 1 });
    expect((await db.selectFrom('grants').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual(['g-recent', 'g-refresh']);
    expect((await db.selectFrom('client_assertion_jtis').select('jti').execute()).map((r) => r.jti)).toEqual(['live']);
    expect((await db.selectFrom('revocations').select('jti').execute()).map((r) => r.jti)).toEqual(['kept']);
    expect((await db.selectFrom('launches').select('id_hash').execute()).map((r) => r.id_hash)).toEqual(['l-recent']);
    expect(await db.selectFrom('audit_events').select('id').execute()).toHaveLength(1);
  });
});
