import type { Db } from '../db/index.ts';

/**
 * Records the jti of a verified client assertion until the assertion expires
 * (RFC 7523 §3, SMART client-confidential-asymmetric: "jti not reused by that
 * iss within the lifetime"). One atomic statement: of two requests carrying
 * the same assertion, on any number of instances, exactly one gets true. A row
 * left over from an assertion that has since expired is taken over.
 */
export async function recordAssertionJti(db: Db, clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
  const now = new Date();
  const recorded = await db
    .insertInto('client_assertion_jtis')
    .values({ client_id: clientId, jti, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .columns(['client_id', 'jti'])
        .doUpdateSet({ expires_at: expiresAt })
        .where('client_assertion_jtis.expires_at', '<=', now),
    )
    .returning('jti')
    .executeTakeFirst();
  // Expired rows are taken over here or deleted by the background sweep (store/sweep.ts), not on this hot path.
  return recorded !== undefined;
}
