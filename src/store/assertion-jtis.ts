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

/**
 * recordAssertionJti, the new client_credentials grant and its audit row in ONE
 * statement (so one round trip, and atomic): the grant and the audit row are
 * written only when the jti was new. Returns false for a replayed jti, and
 * then nothing is written.
 */
export async function recordBackendGrant(
  db: Db,
  use: { clientId: string; jti: string; expiresAt: Date },
  grant: Grant,
  audit: AuditEvent,
): Promise<boolean> {
  const now = new Date();
  const row = auditRow(audit);
  const g = grantRow(grant);
  const { rows } = await sql<{ id: string }>`
    with recorded as (
      insert into client_assertion_jtis (client_id, jti, expires_at)
      values (${use.clientId}, ${use.jti}, ${use.expiresAt})
      on conflict (client_id, jti) do update set expires_at = excluded.expires_at
        where client_assertion_jtis.expires_at <= ${now}
      returning 1
    ), granted as (
      insert into grants (id, client_id, user_id, fhir_user, scope, aud, context, launch_type, launch_extra, access_type,
                          auth_time, session_id_hash, created_at, last_used_at)
      select ${g.id}, ${g.client_id}, ${g.user_id}, ${g.fhir_user}, ${g.scope}, ${g.aud}, ${g.context}::jsonb, ${g.launch_type},
             ${g.launch_extra}::jsonb, ${g.access_type}, ${g.auth_time}::timestamptz, ${g.session_id_hash},
             ${g.created_at}::timestamptz, ${g.created_at}::timestamptz
      from recorded
      returning 1
    )
    insert into audit_events (event, client_id, user_id, patient, request_id, details)
    select ${row.event}, ${row.client_id}, ${row.user_id}, ${row.patient}, ${row.request_id}, ${row.details}::jsonb from recorded
    returning id`.execute(db);
  return rows.length > 0;
}
