import type { Insertable } from 'kysely';
import type { Db } from '../db/index.ts';
import type { AuthorizationCodeRow, AuthorizationCodesTable } from '../db/types.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';

export type NewAuthorizationCode = Omit<Insertable<AuthorizationCodesTable>, 'code_hash'>;

/** Stores a code with everything frozen at consent; returns the plain code (only ever in the redirect). */
export async function createAuthorizationCode(db: Db, values: NewAuthorizationCode): Promise<string> {
  const code = randomToken();
  await db.insertInto('authorization_codes').values({ ...values, code_hash: sha256(code) }).execute();
  return code;
}

export type CodeRedemption =
  | { outcome: 'redeemed'; code: AuthorizationCodeRow }
  | { outcome: 'replayed'; code: AuthorizationCodeRow }
  | { outcome: 'invalid' };

/**
 * Consumes a code in one atomic statement: of two concurrent redemptions
 * exactly one gets 'redeemed'. A code seen before is 'replayed' (RFC 6749
 * §4.1.2: the caller then revokes what the first redemption issued).
 */
export async function redeemAuthorizationCode(db: Db, code: string): Promise<CodeRedemption> {
  const hash = sha256(code);
  const now = new Date();
  const redeemed = await db
    .updateTable('authorization_codes')
    .set({ consumed_at: now })
    .where('code_hash', '=', hash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
  if (redeemed) return { outcome: 'redeemed', code: redeemed };
  const seen = await db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', hash).executeTakeFirst();
  return seen?.consumed_at ? { outcome: 'replayed', code: seen } : { outcome: 'invalid' };
}

/**
 * What a grant was made of, for claims computed later (e.g. at /userinfo): the
 * code frozen at consent, or, once codes are swept, the grant's refresh tokens,
 * which carry the same inputs.
 */
export async function findGrantOrigin(db: Db, grantId: string) {
  const columns = ['aud', 'launch_type', 'launch_extra', 'context', 'fhir_user', 'user_id'] as const;
  return (
    (await db.selectFrom('authorization_codes').select(columns).where('grant_id', '=', grantId).executeTakeFirst()) ??
    (await db.selectFrom('refresh_tokens').select(columns).where('family_id', '=', grantId).limit(1).executeTakeFirst())
  );
}
