import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { ClientRow } from '../db/types.ts';
import { toGrant, type Grant } from './grants.ts';

/** Revokes one access token by its jti until it would have expired anyway. */
export async function revokeAccessToken(db: Db, jti: string, clientId: string, expiresAt: Date): Promise<void> {
  await db
    .insertInto('revocations')
    .values({ jti, client_id: clientId, reason: 'revoked', expires_at: expiresAt })
    .onConflict((oc) => oc.column('jti').doNothing())
    .execute();
}

/** Access token jti: `<grant id>.<random>`, so revoking the grant revokes it without a row per token. */
export function grantIdOfJti(jti: string): string {
  const dot = jti.indexOf('.');
  return dot < 0 ? jti : jti.slice(0, dot);
}

/** What introspection needs to know about a verified access token beyond its signature. */
export interface AccessTokenStanding {
  /** Its jti was revoked, or its grant was. */
  revoked: boolean;
  /** Its client exists and is enabled. */
  clientEnabled: boolean;
  /** That client's roles (empty when it is unknown or disabled). */
  clientRoles: string[];
  /** Its `sub` is a local user who has been disabled. */
  userDisabled: boolean;
  /**
   * The grant it was issued under. Absent only for a backend token issued
   * before grants were recorded for client_credentials (migration 0002).
   */
  grant: Grant | undefined;
}

/**
 * The standing of an access token whose signature has been verified, in ONE
 * query of indexed lookups (introspection is a resource server's hot path):
 * revocation of its jti, its grant, its client, its user.
 */
export async function accessTokenStanding(
  db: Db,
  token: { jti: string; clientId: string; subject: string },
  options: { alsoClients?: readonly string[] } = {},
): Promise<AccessTokenStanding & { clients: ClientRow[] }> {
  // Written as one SQL text rather than with the query builder: this runs on every
  // introspection, and building the nested expression tree cost more than the query.
  // The caller's client rows come too (introspection), so authenticating it costs no extra round trip.
  const { rows } = await sql<{
    also_clients: ClientRow[];
    jti_revoked: boolean;
    client_roles: string[] | null;
    user_disabled: boolean;
    grant: unknown;
  }>`
    select
      (select coalesce(json_agg(c.*), '[]'::json) from clients c where c.id = any(${[...(options.alsoClients ?? [])]}::text[])) as also_clients,
      exists (select 1 from revocations where jti = ${token.jti}) as jti_revoked,
      (select roles from clients where id = ${token.clientId} and disabled_at is null) as client_roles,
      exists (select 1 from users where id = ${token.subject} and disabled_at is not null) as user_disabled,
      (select to_jsonb(g) from grants g where g.id = ${grantIdOfJti(token.jti)}) as grant`.execute(db);
  const row = rows[0]!;
  const grant = row.grant ? toGrant(row.grant) : undefined;
  return {
    revoked: Boolean(row.jti_revoked) || grant?.revokedAt != null,
    clientEnabled: row.client_roles !== null,
    clientRoles: row.client_roles ?? [],
    userDisabled: Boolean(row.user_disabled),
    grant,
    // json_agg gives timestamps as strings; only their presence matters here.
    clients: (row.also_clients ?? []).map((c) => ({ ...c, disabled_at: c.disabled_at ? new Date(c.disabled_at) : null })),
  };
}
