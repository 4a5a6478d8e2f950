import { sql } from 'kysely';
import { z } from 'zod';
import type { LaunchContext } from '../context/index.ts';
import type { Db } from '../db/index.ts';
import { newId } from '../tokens/secrets.ts';
import { jsonObjectSchema, launchContextSchema, toJson } from './json.ts';
import { createdKey, pageAfter, parseCreatedKey, type Page, type PageRequest } from './paging.ts';

/**
 * What was granted to whom (DESIGN.md "grants"), created once at consent or by
 * client_credentials. Codes and refresh tokens point at it; access tokens
 * carry its id in their jti (`<grant id>.<random>`). Revoking it is one row.
 */
export interface Grant {
  id: string;
  clientId: string;
  /** The local account, when there is one. */
  userId: string | null;
  /** The user's FHIR identity (`Practitioner/123`), from the account or vouched for by the EHR. */
  fhirUser: string | null;
  /** The granted scope (a refresh may narrow one access token's, never this). */
  scope: string;
  aud: string;
  context: LaunchContext;
  /** Null for client_credentials. */
  launchType: 'ehr' | 'standalone' | null;
  launchExtra: Record<string, unknown>;
  /** What refresh tokens last for: SMART offline_access or online_access (ends with the session); null: none. */
  accessType: 'offline' | 'online' | null;
  authTime: Date | null;
  /** The sign-in session (hash) it was granted in, if any. */
  sessionIdHash: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedReason: string | null;
}

export type NewGrant = Omit<Grant, 'id' | 'createdAt' | 'lastUsedAt' | 'revokedAt' | 'revokedReason'>;

const timestamp = z.coerce.date();

/** A grants row, from Kysely (Dates) or from `to_jsonb(g)` in raw SQL (ISO strings): the one way rows become Grants. */
const grantRowSchema = z
  .object({
    id: z.string(),
    client_id: z.string(),
    user_id: z.string().nullable(),
    fhir_user: z.string().nullable(),
    scope: z.string(),
    aud: z.string(),
    context: launchContextSchema,
    launch_type: z.enum(['ehr', 'standalone']).nullable(),
    launch_extra: jsonObjectSchema,
    access_type: z.enum(['offline', 'online']).nullable(),
    auth_time: timestamp.nullable(),
    session_id_hash: z.string().nullable(),
    created_at: timestamp,
    last_used_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
    revoked_reason: z.string().nullable(),
  })
  .transform(
    (r): Grant => ({
      id: r.id,
      clientId: r.client_id,
      userId: r.user_id,
      fhirUser: r.fhir_user,
      scope: r.scope,
      aud: r.aud,
      context: r.context as LaunchContext,
      launchType: r.launch_type,
      launchExtra: r.launch_extra,
      accessType: r.access_type,
      authTime: r.auth_time,
      sessionIdHash: r.session_id_hash,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
      revokedReason: r.revoked_reason,
    }),
  );

/** Parses a grants row (selected, or `to_jsonb(g)` from raw SQL). */
export function toGrant(row: unknown): Grant {
  return grantRowSchema.parse(row);
}

/** The row values of a new grant; the store's one serialisation of context and extra. */
function grantValues(id: string, grant: NewGrant, now: Date) {
  return {
    id,
    client_id: grant.clientId,
    user_id: grant.userId,
    fhir_user: grant.fhirUser,
    scope: grant.scope,
    aud: grant.aud,
    context: toJson(grant.context),
    launch_type: grant.launchType,
    launch_extra: toJson(grant.launchExtra),
    access_type: grant.accessType,
    auth_time: grant.authTime,
    session_id_hash: grant.sessionIdHash,
    created_at: now,
    last_used_at: null,
  };
}

/** A grant as it will be stored, before it is (client_credentials writes it with its first token: recordBackendGrant). */
export function newGrant(grant: NewGrant, now = new Date()): Grant {
  return { ...grant, id: newId(), createdAt: now, lastUsedAt: null, revokedAt: null, revokedReason: null };
}

/** Stores a grant (at consent). */
export async function createGrant(db: Db, values: NewGrant): Promise<Grant> {
  const grant = newGrant(values);
  await db.insertInto('grants').values(grantValues(grant.id, grant, grant.createdAt)).execute();
  return grant;
}

/** The insertable row of a grant built with newGrant (for statements that write it with something else). */
export function grantRow(grant: Grant) {
  return grantValues(grant.id, grant, grant.createdAt);
}

export async function getGrant(db: Db, id: string): Promise<Grant | undefined> {
  const row = await db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toGrant(row);
}

export interface GrantFilter {
  userId?: string;
  clientId?: string;
  /** The patient in the grant's launch context. */
  patient?: string;
  /** Include revoked grants (default: only live ones). */
  includeRevoked?: boolean;
}

/**
 * Grants matching a filter, newest first, a page at a time by keyset (a cursor
 * that stays correct while grants are added). The cursor key is "<created_at ISO>|<id>".
 */
export async function listGrants(db: Db, page: PageRequest, filter: GrantFilter = {}): Promise<Page<Grant>> {
  let query = db.selectFrom('grants').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId);
  if (filter.patient !== undefined) query = query.where(sql<string>`context ->> 'patient'`, '=', filter.patient);
  if (!filter.includeRevoked) query = query.where('revoked_at', 'is', null);
  const after = parseCreatedKey(page.after);
  if (after)
    query = query.where((eb) =>
      eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
    );
  return pageAfter((await query.execute()).map(toGrant), page.limit, (g) => createdKey(g.createdAt, g.id));
}

/**
 * Revokes a grant: every token issued under it (codes, refresh tokens, access
 * tokens by their jti's grant id) stops working, with this one row. Returns
 * false when it was already revoked (the first reason is kept) or is unknown.
 */
export async function revokeGrant(db: Db, id: string, reason: string): Promise<boolean> {
  const row = await db
    .updateTable('grants')
    .set({ revoked_at: new Date(), revoked_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The grant of a code or refresh token by its hash, whatever the token's state,
 * and whether the token was spent (replay and reuse detection, revocation).
 */
export async function findGrantOfToken(
  db: Db,
  token: { table: 'authorization_codes'; hash: string } | { table: 'refresh_tokens'; hash: string },
): Promise<{ spent: boolean; grant: Grant } | undefined> {
  const hashColumn = token.table === 'authorization_codes' ? 'code_hash' : 'token_hash';
  const { rows } = await sql<{ consumed_at: Date | null; grant: unknown }>`
    select t.consumed_at, to_jsonb(g) as grant
    from ${sql.table(token.table)} t join grants g on g.id = t.grant_id
    where t.${sql.ref(hashColumn)} = ${token.hash}`.execute(db);
  const row = rows[0];
  return row && { spent: row.consumed_at !== null, grant: toGrant(row.grant) };
}

/** Records that tokens were just issued under the grant (connected apps show it). */
export async function touchGrant(db: Db, id: string, at = new Date()): Promise<void> {
  await db.updateTable('grants').set({ last_used_at: at }).where('id', '=', id).execute();
}
