import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { ClientRow } from '../db/types.ts';

/**
 * Serialises every change to one grant (refresh, reuse detection, revocation)
 * with a transaction-scoped advisory lock. The single-statement consumption
 * already lets only one refresh win; this lock keeps concurrent losers, which
 * revoke the family, from deadlocking on its rows in PostgreSQL. Re-entrant
 * within a transaction; released at commit or rollback.
 */
export async function lockGrant(db: Db, grantId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`grant:${grantId}`}, 0))`.execute(db);
}

/**
 * Revokes a whole grant: every refresh token of the family, and every access
 * token issued under it (their jti carries the grant id, so one row covers all).
 */
export async function revokeGrant(
  db: Db,
  grant: { grantId: string; clientId: string | null; reason: string; accessTokenLifetimeSeconds: number },
): Promise<void> {
  await lockGrant(db, grant.grantId);
  await db
    .insertInto('revocations')
    .values({
      key: grant.grantId,
      kind: 'grant',
      client_id: grant.clientId,
      reason: grant.reason,
      // Kept until the last access token issued under the grant has expired by itself.
      expires_at: new Date(Date.now() + grant.accessTokenLifetimeSeconds * 1000),
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: new Date() })
    .where('family_id', '=', grant.grantId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes one access token by its jti until it would have expired anyway. */
export async function revokeAccessToken(db: Db, jti: string, clientId: string, expiresAt: Date): Promise<void> {
  await db
    .insertInto('revocations')
    .values({ key: jti, kind: 'jti', client_id: clientId, reason: 'revoked', expires_at: expiresAt })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/** Access token jti: `<grant id>.<random>`, so revoking the grant revokes it without a row per token. */
export function grantIdOfJti(jti: string): string {
  const dot = jti.indexOf('.');
  return dot < 0 ? jti : jti.slice(0, dot);
}

/** What introspection needs to know about a verified access token beyond its signature. */
export interface AccessTokenStanding {
  /** Its jti or its grant has a revocation row. */
  revoked: boolean;
  /** Its client exists and is enabled. */
  clientEnabled: boolean;
  /** That client's roles (empty when it is unknown or disabled). */
  clientRoles: string[];
  /** Its `sub` is a local user who has been disabled. */
  userDisabled: boolean;
  /** The launch context its grant was issued with, when still stored. */
  context: Record<string, unknown> | undefined;
}

/**
 * The standing of an access token whose signature has been verified, in ONE
 * query of indexed lookups (introspection is a resource server's hot path):
 * revocation of its jti or grant, its client, its user, its grant's context.
 * The context comes from the consumed code (kept for replay detection) or,
 * failing that, from the grant's refresh family.
 */
export async function accessTokenStanding(
  db: Db,
  token: { jti: string; clientId: string; subject: string },
  options: { alsoClients?: readonly string[] } = {},
): Promise<AccessTokenStanding & { clients: ClientRow[] }> {
  const grantId = grantIdOfJti(token.jti);
  // Written as one SQL text rather than with the query builder: this runs on every
  // introspection, and building the nested expression tree cost more than the query.
  // The caller's client rows come too (introspection), so authenticating it costs no extra round trip.
  const { rows } = await sql<{
    also_clients: ClientRow[];
    revoked: boolean;
    client_roles: string[] | null;
    user_disabled: boolean;
    context: Record<string, unknown> | null;
  }>`
    select
      (select coalesce(json_agg(c.*), '[]'::json) from clients c where c.id = any(${[...(options.alsoClients ?? [])]}::text[])) as also_clients,
      exists (select 1 from revocations where key in (${token.jti}, ${grantId})) as revoked,
      (select roles from clients where id = ${token.clientId} and disabled_at is null) as client_roles,
      exists (select 1 from users where id = ${token.subject} and disabled_at is not null) as user_disabled,
      coalesce(
        (select context from authorization_codes where grant_id = ${grantId}),
        (select context from refresh_tokens where family_id = ${grantId} limit 1)
      ) as context`.execute(db);
  const row = rows[0]!;
  return {
    revoked: Boolean(row.revoked),
    clientEnabled: row.client_roles !== null,
    clientRoles: row.client_roles ?? [],
    userDisabled: Boolean(row.user_disabled),
    context: (row.context as Record<string, unknown> | null) ?? undefined,
    // json_agg gives timestamps as strings; only their presence matters here.
    clients: (row.also_clients ?? []).map((c) => ({ ...c, disabled_at: c.disabled_at ? new Date(c.disabled_at) : null })),
  };
}
