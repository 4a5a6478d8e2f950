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
 * Audit events of hot read paths (introspection, the FHIR API), written in batches: one
 * multi-row insert per `flushMs` or per `maxEvents`, instead of one insert per request. An event
 * is at most `flushMs` late; `flush()` runs at shutdown. A batch the database refuses is kept
 * and retried every `retryMs` (the hot path never waits for it); only past `maxPending`
 * unwritten events are the oldest dropped, and `onError` says how many.
 * Write paths keep recordAudit inside their own transaction.
 */
export class AuditBatch {
  private pending: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    /** `retrying`: events kept for the next try; `lost`: events dropped for good. */
    private readonly onError: (error: unknown, counts: { retrying: number; lost: number }) => void,
    private readonly options = { flushMs: 100, maxEvents: 500, retryMs: 1000, maxPending: 100_000 },
  ) {}

  add(event: AuditEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.options.maxEvents) void this.flush();
    else this.schedule(this.options.flushMs);
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), ms);
    this.timer.unref();
  }

  /** Writes what is pending; resolves when it (and any flush before it) is done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(async () => {
      while (this.pending.length) {
        const batch = this.pending.splice(0, this.options.maxEvents);
        try {
          await this.db.insertInto('audit_events').values(batch.map(auditRow)).execute();
        } catch (error) {
          // Kept, oldest first, for the next try.
          this.pending.unshift(...batch);
          const lost = Math.max(0, this.pending.length - this.options.maxPending);
          this.pending.splice(0, lost);
          this.onError(error, { retrying: this.pending.length, lost });
          this.schedule(this.options.retryMs);
          return;
        }
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
