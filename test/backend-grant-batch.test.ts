import { afterAll, beforeAll, expect, it } from 'vitest';
import { BackendGrantBatcher, type BackendGrantWrite } from '../src/store/assertion-jtis.ts';
import { newGrant } from '../src/store/grants.ts';
import { describeEachDatabase } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/** client_credentials writes share statements under load (src/store/assertion-jtis.ts): the jti rule must hold across and within them. */
describeEachDatabase('backend grant batches', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  const write = (jti: string, requestId: string): BackendGrantWrite => ({
    use: { clientId: 'bulk-exporter', jti, expiresAt: new Date(Date.now() + 60_000) },
    grant: newGrant({
      clientId: 'bulk-exporter', userId: null, fhirUser: null, scope: 'system/Patient.rs', aud: server.config.fhirBaseUrl, context: {},
      launchType: null, launchExtra: {}, accessType: null, authTime: null, sessionIdHash: null,
    }),
    audit: { event: 'token.issued', clientId: 'bulk-exporter', requestId, details: { grant: 'client_credentials' } },
  });

  it('uses each jti once, within one statement and across statements, and writes grant and audit row only for those', async () => {
    const batcher = new BackendGrantBatcher(server.deps.db, { maxInFlight: 1, maxBatch: 100, holdMs: 0, holdUntil: 4 });
    const prefix = `batch-${kind}-${Date.now()}`;
    const writes = [write(`${prefix}-a`, 'r0'), write(`${prefix}-b`, 'r1'), write(`${prefix}-b`, 'r2'), write(`${prefix}-c`, 'r3'), write(`${prefix}-a`, 'r4')];
    // The first goes out alone; the other four wait for it and share the next statement.
    const recorded = await Promise.all(writes.map((w) => batcher.record(w)));
    expect(recorded).toEqual([true, true, false, true, false]);

    const grantIds = writes.map((w) => w.grant.id);
    const grants = await server.deps.db.selectFrom('grants').select('id').where('id', 'in', grantIds).execute();
    expect(grants.map((g) => g.id).sort()).toEqual([grantIds[0], grantIds[1], grantIds[3]].sort());
    const audited = await server.deps.db.selectFrom('audit_events').select('request_id').where('request_id', 'in', ['r0', 'r1', 'r2', 'r3', 'r4']).orderBy('id').execute();
    expect(audited.map((a) => a.request_id)).toEqual(['r0', 'r1', 'r3']);
  });

  it('fails every write of a statement the database refuses, and goes on with the next', async () => {
    const batcher = new BackendGrantBatcher(server.deps.db, { maxInFlight: 1, maxBatch: 100, holdMs: 0, holdUntil: 4 });
    const bad = write(`bad-${kind}-${Date.now()}`, 'bad');
    bad.grant.clientId = 'no-such-client'; // the grants foreign key refuses it
    const results = await Promise.allSettled([batcher.record(write(`ok-${kind}-${Date.now()}`, 'ok0')), batcher.record(bad), batcher.record(write(`ok2-${kind}-${Date.now()}`, 'ok1'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(await batcher.record(write(`after-${kind}-${Date.now()}`, 'ok2'))).toBe(true);
  });

  it('sends a write at once when no statement went out within the hold', async () => {
    // A ten-minute hold: a first write that waited for it would outlast the test's timeout.
    const batcher = new BackendGrantBatcher(server.deps.db, { maxInFlight: 1, maxBatch: 100, holdMs: 600_000, holdUntil: 3 });
    expect(await batcher.record(write(`idle-${kind}-${Date.now()}`, 'idle'))).toBe(true);
  });

  it('holds writes that follow a statement until enough have come, and sends them together', async () => {
    const batcher = new BackendGrantBatcher(server.deps.db, { maxInFlight: 1, maxBatch: 100, holdMs: 600_000, holdUntil: 3 });
    expect(await batcher.record(write(`first-${kind}-${Date.now()}`, 'first'))).toBe(true);
    await new Promise((settled) => setImmediate(settled)); // the first statement's bookkeeping is done
    // Nothing is in flight now, so without the hold the good write would go out alone and succeed.
    // Held until the third write comes, it shares the bad write's statement and fails with it.
    const bad = write(`held-bad-${kind}-${Date.now()}`, 'held-bad');
    bad.grant.clientId = 'no-such-client';
    const results = await Promise.allSettled([
      batcher.record(write(`held-ok-${kind}-${Date.now()}`, 'held-ok')), batcher.record(bad), batcher.record(write(`held-ok2-${kind}-${Date.now()}`, 'held-ok2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('sends a held write alone once it has waited the hold', async () => {
    const batcher = new BackendGrantBatcher(server.deps.db, { maxInFlight: 1, maxBatch: 100, holdMs: 200, holdUntil: 1_000 });
    expect(await batcher.record(write(`lone-a-${kind}-${Date.now()}`, 'lone-a'))).toBe(true);
    expect(await batcher.record(write(`lone-b-${kind}-${Date.now()}`, 'lone-b'))).toBe(true);
  });
});
