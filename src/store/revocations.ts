import type { Db } from '../db/index.ts';

/**
 * Revokes a whole grant: every refresh token of the family, and every access
 * token issued under it (their jti carries the grant id, so one row covers all).
 */
export async function revokeGrant(
  db: Db,
  grant: { grantId: string; clientId: string | null; reason: string; accessTokensValidUntil: Date },
): Promise<void> {
  await db
    .insertInto('revocations')
    .values({
      key: grant.grantId,
      kind: 'grant',
      client_id: grant.clientId,
      reason: grant.reason,
      expires_at: grant.accessTokensValidUntil,
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
