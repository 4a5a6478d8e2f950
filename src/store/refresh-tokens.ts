import type { Insertable } from 'kysely';
import type { Db } from '../db/index.ts';
import type { RefreshTokenRow, RefreshTokensTable } from '../db/types.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';
import { lockGrant } from './revocations.ts';

export type NewRefreshToken = Omit<Insertable<RefreshTokensTable>, 'token_hash'>;

/** Stores a refresh token (hashed) and returns the plain value for the token response. */
export async function insertRefreshToken(db: Db, values: NewRefreshToken): Promise<string> {
  const token = randomToken();
  await db.insertInto('refresh_tokens').values({ ...values, token_hash: sha256(token) }).execute();
  return token;
}

export type RefreshTokenUse =
  | { outcome: 'consumed'; token: RefreshTokenRow }
  | { outcome: 'reused'; token: RefreshTokenRow }
  | { outcome: 'invalid' };

/**
 * Spends a refresh token in one atomic statement: of concurrent uses exactly
 * one gets 'consumed'. The token must be unspent, unrevoked, unexpired and,
 * for online_access bound to a sign-in session, that session still live.
 * A token spent before is 'reused' (OAuth 2.0 Security BCP §4.14.2: the
 * caller then revokes the family). Run it in the grant's transaction, so a
 * refusal after it (wrong client, disabled user) rolls the spending back;
 * it takes the grant's lock (lockGrant) for the rest of that transaction.
 */
export async function consumeRefreshToken(db: Db, token: string): Promise<RefreshTokenUse> {
  const hash = sha256(token);
  const family = await db.selectFrom('refresh_tokens').select('family_id').where('token_hash', '=', hash).executeTakeFirst();
  if (!family) return { outcome: 'invalid' };
  await lockGrant(db, family.family_id);
  const now = new Date();
  const consumed = await db
    .updateTable('refresh_tokens')
    .set({ consumed_at: now })
    .where('token_hash', '=', hash)
    .where('consumed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where((eb) =>
      eb.or([
        eb('session_id_hash', 'is', null),
        eb.exists(
          eb
            .selectFrom('sessions')
            .select('sessions.id_hash')
            .whereRef('sessions.id_hash', '=', 'refresh_tokens.session_id_hash')
            .where('sessions.ended_at', 'is', null)
            .where('sessions.expires_at', '>', now),
        ),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
  if (consumed) return { outcome: 'consumed', token: consumed };
  const seen = await db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  return seen?.consumed_at ? { outcome: 'reused', token: seen } : { outcome: 'invalid' };
}

/** The stored refresh token for a plain value, whatever its state (revocation looks it up). */
export async function findRefreshToken(db: Db, token: string): Promise<RefreshTokenRow | undefined> {
  return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
}

/**
 * A refresh token that is active for introspection (RFC 7662 §2.2): unspent,
 * unrevoked, unexpired, its online session live, its client and user enabled.
 * One indexed lookup; undefined for anything else.
 */
export async function findActiveRefreshToken(db: Db, token: string): Promise<RefreshTokenRow | undefined> {
  const now = new Date();
  return db
    .selectFrom('refresh_tokens as rt')
    .selectAll('rt')
    .where('rt.token_hash', '=', sha256(token))
    .where('rt.consumed_at', 'is', null)
    .where('rt.revoked_at', 'is', null)
    .where('rt.expires_at', '>', now)
    .where((eb) =>
      eb.and([
        eb.exists(eb.selectFrom('clients').select('clients.id').whereRef('clients.id', '=', 'rt.client_id').where('clients.disabled_at', 'is', null)),
        eb.not(
          eb.exists(eb.selectFrom('users').select('users.id').whereRef('users.id', '=', 'rt.user_id').where('users.disabled_at', 'is not', null)),
        ),
        eb.or([
          eb('rt.session_id_hash', 'is', null),
          eb.exists(
            eb
              .selectFrom('sessions')
              .select('sessions.id_hash')
              .whereRef('sessions.id_hash', '=', 'rt.session_id_hash')
              .where('sessions.ended_at', 'is', null)
              .where('sessions.expires_at', '>', now),
          ),
        ]),
      ]),
    )
    .executeTakeFirst();
}
