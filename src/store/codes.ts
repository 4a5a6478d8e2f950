import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';
import { findGrantOfToken, toGrant, type Grant } from './grants.ts';

/** What only the authorization request had; everything else is the code's grant. */
export interface AuthorizationCode {
  grantId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
}

/** Stores a code for a grant; returns the plain code (only ever in the redirect). */
export async function createAuthorizationCode(db: Db, code: AuthorizationCode & { expiresAt: Date }): Promise<string> {
  const value = randomToken();
  await db
    .insertInto('authorization_codes')
    .values({
      code_hash: sha256(value),
      grant_id: code.grantId,
      redirect_uri: code.redirectUri,
      code_challenge: code.codeChallenge,
      nonce: code.nonce,
      expires_at: code.expiresAt,
    })
    .execute();
  return value;
}

export type CodeRedemption =
  | { outcome: 'redeemed'; code: AuthorizationCode; grant: Grant }
  | { outcome: 'replayed'; grant: Grant }
  | { outcome: 'invalid' };

/**
 * Consumes a code in one atomic statement, which also reads its grant: of two
 * concurrent redemptions exactly one gets 'redeemed'. A code of a revoked grant
 * is invalid. A code seen before is 'replayed' (RFC 6749 §4.1.2: the caller
 * then revokes the grant).
 */
export async function redeemAuthorizationCode(db: Db, code: string): Promise<CodeRedemption> {
  const hash = sha256(code);
  const now = new Date();
  const { rows } = await sql<{ redirect_uri: string; code_challenge: string; nonce: string | null; grant: unknown }>`
    update authorization_codes c set consumed_at = ${now}
    from grants g
    where c.code_hash = ${hash} and g.id = c.grant_id
      and c.consumed_at is null and c.expires_at > ${now} and g.revoked_at is null
    returning c.redirect_uri, c.code_challenge, c.nonce, to_jsonb(g) as grant`.execute(db);
  const redeemed = rows[0];
  if (redeemed) {
    const grant = toGrant(redeemed.grant);
    return {
      outcome: 'redeemed',
      grant,
      code: { grantId: grant.id, redirectUri: redeemed.redirect_uri, codeChallenge: redeemed.code_challenge, nonce: redeemed.nonce },
    };
  }
  const seen = await findGrantOfToken(db, { table: 'authorization_codes', hash });
  return seen?.spent ? { outcome: 'replayed', grant: seen.grant } : { outcome: 'invalid' };
}
