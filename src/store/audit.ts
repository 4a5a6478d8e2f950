import type { Db } from '../db/index.ts';
import { toJson } from './json.ts';

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
  | 'fhir.accessed'
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
  await db.insertInto('audit_events').values(auditRow(e)).execute();
}

/**
 * Audit events of a hot read path (introspection), written in batches: one
 * multi-row insert per `flushMs` or per `maxEvents`, instead of one insert per
 * request. An event is at most `flushMs` late; `flush()` runs at shutdown.
 * Write paths keep recordAudit inside their own transaction.
 */
export class AuditBatch {
  private pending: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly onError: (error: unknown, lost: number) => void,
    private readonly options = { flushMs: 100, maxEvents: 500 },
  ) {}

  add(event: AuditEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.options.maxEvents) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending; resolves when it (and any flush before it) is done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.db.insertInto('audit_events').values(batch.map(auditRow)).execute();
      } catch (error) {
        this.onError(error, batch.length);
      }
    });
    return this.flushing;
  }
}

/** The audit_events row for an event (for statements that write it themselves). */
export function auditRow(e: AuditEvent) {
  return {
    event: e.event,
    client_id: e.clientId ?? null,
    user_id: e.userId ?? null,
    patient: e.patient ?? null,
    request_id: e.requestId ?? null,
    details: toJson(e.details ?? {}),
  };
}
