import type { Db } from '../db/index.ts';

export type AuditEventName =
  | 'launch.registered'
  | 'launch.cancelled'
  | 'user.signed_in'
  | 'user.sign_in_failed'
  | 'consent.given'
  | 'consent.denied'
  | 'code.redeemed'
  | 'code.replayed'
  | 'token.issued'
  | 'token.refreshed'
  | 'token.reuse_detected'
  | 'token.revoked'
  | 'token.introspected'
  | 'hook.failed';

export interface AuditEvent {
  event: AuditEventName;
  clientId?: string | null | undefined;
  userId?: string | null | undefined;
  patient?: string | null | undefined;
  requestId?: string | undefined;
  /** Never a secret: no codes, tokens, launch ids or passwords. */
  details?: Record<string, unknown>;
}

/** Records who did what to which patient, when. Pass a transaction to keep it atomic with the act. */
export async function recordAudit(db: Db, e: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      event: e.event,
      client_id: e.clientId ?? null,
      user_id: e.userId ?? null,
      patient: e.patient ?? null,
      request_id: e.requestId ?? null,
      details: JSON.stringify(e.details ?? {}),
    })
    .execute();
}
