import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { Grant } from './grants.ts';
import { pageAfter, type Page, type PageRequest } from './paging.ts';
import { toJson } from './json.ts';

export type AuditEventName =
  | 'launch.registered'
  | 'launch.cancelled'
  | 'user.signed_in'
  | 'user.sign_in_failed'
  | 'user.locked'
  | 'user.unlocked'
  | 'client.locked'
  | 'consent.given'
  | 'consent.denied'
  | 'code.redeemed'
  | 'code.replayed'
  | 'token.issued'
  | 'token.refreshed'
  | 'token.reuse_detected'
  | 'token.revoked'
  | 'token.introspected'
  | 'hook.failed'
  // Changes made through the admin API or CLI (details.actor says who) and by dynamic registration.
  | 'client.created'
  | 'client.updated'
  | 'client.disabled'
  | 'client.enabled'
  | 'client.secret_rotated'
  | 'client.registered'
  | 'client.registration_updated'
  | 'client.registration_deleted'
  | 'user.created'
  | 'user.updated'
  | 'user.password_reset'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.unlocked'
  | 'grant.revoked'
  | 'fhir.accessed';

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

/** Records an act on a grant: the user (or vouched FHIR identity) and the patient are the grant's. */
export async function recordGrantAudit(
  db: Db,
  grant: Grant,
  e: Pick<AuditEvent, 'event' | 'clientId' | 'requestId' | 'details'>,
): Promise<void> {
  await recordAudit(db, { ...e, userId: grant.userId ?? grant.fhirUser, patient: grant.context.patient });
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
          await insertAuditRows(this.db, batch.map(auditRow));
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

/**
 * Many rows in one statement whose text does not depend on how many (the
 * columns as arrays, unnested in order): the database plans it once, and no
 * query builder walks a thousand-value VALUES list per batch (profiled: the
 * multi-row insert was a tenth of an introspection's CPU under load).
 */
async function insertAuditRows(db: Db, rows: ReadonlyArray<ReturnType<typeof auditRow>>): Promise<void> {
  const column = <K extends keyof ReturnType<typeof auditRow>>(name: K) => rows.map((row) => row[name]);
  await sql`insert into audit_events (event, client_id, user_id, patient, request_id, details)
    select event, client_id, user_id, patient, request_id, details
    from unnest(${column('event')}::text[], ${column('client_id')}::text[], ${column('user_id')}::text[],
                ${column('patient')}::text[], ${column('request_id')}::text[], ${column('details')}::jsonb[])
      with ordinality as batch(event, client_id, user_id, patient, request_id, details, position)
    order by position`.execute(db);
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

export interface StoredAuditEvent {
  id: string;
  at: Date;
  event: string;
  clientId: string | null;
  userId: string | null;
  patient: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  patient?: string | undefined;
  user?: string | undefined;
  client?: string | undefined;
  event?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

/** Audit events, newest first, a page at a time; the cursor key is the event id. */
export async function queryAuditEvents(db: Db, page: PageRequest, filter: AuditFilter): Promise<Page<StoredAuditEvent>> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(page.limit + 1);
  if (page.after && /^\d+$/.test(page.after)) query = query.where('id', '<', page.after);
  if (filter.patient) query = query.where('patient', '=', filter.patient);
  if (filter.user) query = query.where('user_id', '=', filter.user);
  if (filter.client) query = query.where('client_id', '=', filter.client);
  if (filter.event) query = query.where('event', '=', filter.event);
  if (filter.since) query = query.where('at', '>=', filter.since);
  if (filter.until) query = query.where('at', '<', filter.until);
  const rows = await query.execute();
  const events = rows.map((r) => ({
    id: String(r.id),
    at: new Date(r.at),
    event: r.event,
    clientId: r.client_id,
    userId: r.user_id,
    patient: r.patient,
    requestId: r.request_id,
    details: r.details,
  }));
  return pageAfter(events, page.limit, (e) => e.id);
}
