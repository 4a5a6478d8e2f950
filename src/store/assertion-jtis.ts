import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { auditRow, type AuditEvent } from './audit.ts';
import { grantRow, type Grant } from './grants.ts';

/**
 * Records the jti of a verified client assertion until the assertion expires
 * (RFC 7523 §3, SMART client-confidential-asymmetric: "jti not reused by that
 * iss within the lifetime"). One atomic statement: of two requests carrying
 * the same assertion, on any number of instances, exactly one gets true. A row
 * left over from an assertion that has since expired is taken over.
 */
export async function recordAssertionJti(db: Db, clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
  const now = new Date();
  const recorded = await db
    .insertInto('client_assertion_jtis')
    .values({ client_id: clientId, jti, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .columns(['client_id', 'jti'])
        .doUpdateSet({ expires_at: expiresAt })
        .where('client_assertion_jtis.expires_at', '<=', now),
    )
    .returning('jti')
    .executeTakeFirst();
  // Expired rows are taken over here or deleted by the background sweep (store/sweep.ts), not on this hot path.
  return recorded !== undefined;
}

/** One client_credentials token's write: its assertion's jti, its new grant, its audit row. */
export interface BackendGrantWrite {
  use: { clientId: string; jti: string; expiresAt: Date };
  grant: Grant;
  audit: AuditEvent;
}

/**
 * recordAssertionJti, the new client_credentials grant and its audit row in ONE
 * statement (so one round trip, and atomic): the grant and the audit row are
 * written only when the jti was new. Returns false for a replayed jti, and
 * then nothing is written for it. Concurrent calls share statements
 * (BackendGrantBatcher): under load, one round trip and one commit carry many tokens.
 */
export function recordBackendGrant(db: Db, use: BackendGrantWrite['use'], grant: Grant, audit: AuditEvent): Promise<boolean> {
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = new BackendGrantBatcher(db)));
  return batcher.record({ use, grant, audit });
}

const batchers = new WeakMap<Db, BackendGrantBatcher>();

export interface BatchOptions {
  maxInFlight: number;
  maxBatch: number;
  /** A write that follows a statement by less than this waits for more, at most this long after that statement. */
  holdMs: number;
  /** ...until this many writes are waiting. */
  holdUntil: number;
}

/**
 * Measured with `npm run bench`, one worker, 2 cores shared with PostgreSQL and the load (BENCHMARKS.md):
 * - one statement at a time: with two, batches were smaller and PostgreSQL spent more CPU per token
 *   (163 → 119 µs for ES384 tokens, 122 → 84 µs for RS384, at the same p99);
 * - a statement takes under a millisecond, so at 1,200 ES384 tokens/s batches were of about one
 *   token: PostgreSQL spent 185 µs per token over 2 minutes. Holding a write up to 5 ms until 4 are
 *   waiting: 47 µs (ours 854 → 780 µs), the same p99. A plain 5 ms hold (no count) did as well for
 *   ES384 but cut RS384 tokens by a third (4,549 → 2,914/s with 16 connections: each token waited);
 *   with the count RS384 batches fill in under a millisecond (4,386/s, within the runs' noise);
 * - a 10 ms hold (so that four would gather at the ~500 ES384 tokens/s of a slower host): three
 *   2-minute pairs at 650-900 tokens/s, PostgreSQL's CPU per token 97-186 µs against 90-233 µs
 *   with 5 ms, no higher rate: not taken.
 */
const BACKEND_GRANT_BATCHING: BatchOptions = { maxInFlight: 1, maxBatch: 100, holdMs: 5, holdUntil: 4 };

interface Pending {
  write: BackendGrantWrite;
  arrivedAt: number;
  done: (recorded: boolean) => void;
  failed: (error: unknown) => void;
}

/**
 * Group commit for backend-service tokens. A write goes out at once when no
 * statement is running and none went out in the last `holdMs`; otherwise it
 * waits for the next statement, which goes when the one running ends and
 * either `holdUntil` writes are waiting or `holdMs` have passed since the last
 * one went out, and takes every write waiting then (up to `maxBatch`). So an
 * idle service adds no delay, and a busy one pays one round trip and one
 * commit per batch instead of per token (the jti, grant and audit inserts per
 * token were most of this endpoint's database time). Each statement is
 * atomic: a failure fails every write in it, as each alone would have failed.
 */
export class BackendGrantBatcher {
  private readonly waiting: Pending[] = [];
  private inFlight = 0;
  private holdTimer: NodeJS.Timeout | undefined;
  private lastSentAt = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly options: BatchOptions = BACKEND_GRANT_BATCHING,
  ) {}

  record(write: BackendGrantWrite): Promise<boolean> {
    return new Promise((done, failed) => {
      this.waiting.push({ write, arrivedAt: performance.now(), done, failed });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const hold = this.holdFor();
      if (hold > 0) {
        this.holdTimer ??= setTimeout(() => {
          this.holdTimer = undefined;
          this.pump();
        }, hold);
        return;
      }
      this.lastSentAt = performance.now();
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** How long the waiting writes wait for more (BatchOptions); 0: send now. */
  private holdFor(): number {
    if (this.waiting.length >= this.options.holdUntil) return 0;
    return Math.max(0, Math.min(this.lastSentAt, this.waiting[0]!.arrivedAt) + this.options.holdMs - performance.now());
  }

  private async write(batch: Pending[]): Promise<void> {
    // The same assertion twice in one batch: the first is the use, the rest are replays.
    const first = new Map<string, Pending>();
    for (const pending of batch) {
      const key = `${pending.write.use.clientId} ${pending.write.use.jti}`;
      if (first.has(key)) pending.done(false);
      else first.set(key, pending);
    }
    const unique = [...first.values()];
    try {
      const recorded = await insertBackendGrants(this.db, unique.map((p) => p.write));
      for (const pending of unique) pending.done(recorded.has(`${pending.write.use.clientId} ${pending.write.use.jti}`));
    } catch (error) {
      for (const pending of unique) pending.failed(error);
    }
  }
}

/** The statement: every write's columns as arrays, unnested; returns "client jti" of each write whose jti was new. */
async function insertBackendGrants(db: Db, writes: readonly BackendGrantWrite[]): Promise<Set<string>> {
  const now = new Date();
  const grants = writes.map((w) => grantRow(w.grant));
  const audits = writes.map((w) => auditRow(w.audit));
  const iso = (date: Date | null) => date && date.toISOString();
  const { rows } = await sql<{ client_id: string; jti: string }>`
    with input as (
      select * from unnest(
        ${writes.map((w) => w.use.clientId)}::text[], ${writes.map((w) => w.use.jti)}::text[],
        ${writes.map((w) => w.use.expiresAt.toISOString())}::timestamptz[],
        ${grants.map((g) => g.id)}::text[], ${grants.map((g) => g.client_id)}::text[],
        ${grants.map((g) => g.user_id)}::text[], ${grants.map((g) => g.fhir_user)}::text[],
        ${grants.map((g) => g.scope)}::text[], ${grants.map((g) => g.aud)}::text[],
        ${grants.map((g) => g.context)}::jsonb[], ${grants.map((g) => g.launch_type)}::text[],
        ${grants.map((g) => g.launch_extra)}::jsonb[], ${grants.map((g) => g.access_type)}::text[],
        ${grants.map((g) => iso(g.auth_time))}::timestamptz[], ${grants.map((g) => g.session_id_hash)}::text[],
        ${grants.map((g) => iso(g.created_at))}::timestamptz[],
        ${audits.map((a) => a.event)}::text[], ${audits.map((a) => a.client_id)}::text[],
        ${audits.map((a) => a.user_id)}::text[], ${audits.map((a) => a.patient)}::text[],
        ${audits.map((a) => a.request_id)}::text[], ${audits.map((a) => a.details)}::jsonb[]
      ) with ordinality as i(client_id, jti, expires_at, grant_id, grant_client_id, user_id, fhir_user, scope, aud, context,
                             launch_type, launch_extra, access_type, auth_time, session_id_hash, created_at,
                             event, audit_client_id, audit_user_id, patient, request_id, details, position)
    ), recorded as (
      insert into client_assertion_jtis (client_id, jti, expires_at)
      select client_id, jti, expires_at from input order by position
      on conflict (client_id, jti) do update set expires_at = excluded.expires_at
        where client_assertion_jtis.expires_at <= ${now}
      returning client_id, jti
    ), accepted as (
      select input.* from input join recorded using (client_id, jti)
    ), granted as (
      insert into grants (id, client_id, user_id, fhir_user, scope, aud, context, launch_type, launch_extra, access_type,
                          auth_time, session_id_hash, created_at, last_used_at)
      select grant_id, grant_client_id, user_id, fhir_user, scope, aud, context, launch_type, launch_extra, access_type,
             auth_time, session_id_hash, created_at, created_at
      from accepted order by position
    ), audited as (
      insert into audit_events (event, client_id, user_id, patient, request_id, details)
      select event, audit_client_id, audit_user_id, patient, request_id, details from accepted order by position
    )
    select client_id, jti from recorded`.execute(db);
  return new Set(rows.map((r) => `${r.client_id} ${r.jti}`));
}
