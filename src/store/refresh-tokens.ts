import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';
import { findGrantOfToken, toGrant, type Grant } from './grants.ts';

/** Stores a refresh token (hashed) for a grant and returns the plain value for the token response. */
export async function insertRefreshToken(db: Db, grantId: string, expiresAt: Date): Promise<string> {
  const token = randomToken();
  await db.insertInto('refresh_tokens').values({ token_hash: sha256(token), grant_id: grantId, expires_at: expiresAt }).execute();
  return token;
}

export type RefreshTokenUse =
  | { outcome: 'consumed'; expiresAt: Date; grant: Grant }
  | { outcome: 'reused'; grant: Grant }
  | { outcome: 'invalid' };

/**
 * The SQL condition "this online grant's sign-in session is still live"
 * (SMART online_access ends with the session), for a grants alias `g`.
 */
const sessionLive = (now: Date) => sql`(
  g.access_type is distinct from 'online' or g.session_id_hash is null
  or exists (select 1 from sessions s where s.id_hash = g.session_id_hash and s.ended_at is null and s.expires_at > ${now}))`;

/**
 * Spends a refresh token in one atomic statement that also reads its grant: of
 * concurrent uses exactly one gets 'consumed'. The token must be unspent,
 * unrevoked, unexpired, its grant unrevoked and, for online_access, the grant's
 * sign-in session still live. A token spent before is 'reused' (OAuth 2.0
 * Security BCP §4.14.2: the caller then revokes the grant). Run it in the
 * grant's transaction, so a refusal after it (wrong client, disabled user)
 * rolls the spending back.
 */
export async function consumeRefreshToken(db: Db, token: string): Promise<RefreshTokenUse> {
  const hash = sha256(token);
  const now = new Date();
  const { rows } = await sql<{ expires_at: Date; grant: unknown }>`
    update refresh_tokens rt set consumed_at = ${now}
    from grants g
    where rt.token_hash = ${hash} and g.id = rt.grant_id
      and rt.consumed_at is null and rt.revoked_at is null and rt.expires_at > ${now}
      and g.revoked_at is null and ${sessionLive(now)}
    returning rt.expires_at, to_jsonb(g) as grant`.execute(db);
  const consumed = rows[0];
  if (consumed) return { outcome: 'consumed', expiresAt: new Date(consumed.expires_at), grant: toGrant(consumed.grant) };
  const seen = await findGrantOfToken(db, { table: 'refresh_tokens', hash });
  return seen?.spent ? { outcome: 'reused', grant: seen.grant } : { outcome: 'invalid' };
}

/** The grant of a refresh token, whatever the token's state (revocation looks it up). */
export async function findRefreshTokenGrant(db: Db, token: string): Promise<Grant | undefined> {
  return (await findGrantOfToken(db, { table: 'refresh_tokens', hash: sha256(token) }))?.grant;
}

/**
 * A refresh token that is active for introspection (RFC 7662 §2.2): unspent,
 * unrevoked, unexpired, its grant unrevoked, its online session live, its
 * client and user enabled. One query; undefined for anything else.
 */
export async function findActiveRefreshToken(
  db: Db,
  token: string,
): Promise<{ expiresAt: Date; createdAt: Date; grant: Grant } | undefined> {
  const now = new Date();
  const { rows } = await sql<{ expires_at: Date; created_at: Date; grant: unknown }>`
    select rt.expires_at, rt.created_at, to_jsonb(g) as grant
    from refresh_tokens rt join grants g on g.id = rt.grant_id
    where rt.token_hash = ${sha256(token)}
      and rt.consumed_at is null and rt.revoked_at is null and rt.expires_at > ${now}
      and g.revoked_at is null and ${sessionLive(now)}
      and exists (select 1 from clients c where c.id = g.client_id and c.disabled_at is null)
      and not exists (select 1 from users u where u.id = g.user_id and u.disabled_at is not null)`.execute(db);
  const row = rows[0];
  return row && { expiresAt: new Date(row.expires_at), createdAt: new Date(row.created_at), grant: toGrant(row.grant) };
}
