import type { Db } from '../db/index.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';

/** Starts a sign-in session; returns the plain id for the session cookie. */
export async function createSession(db: Db, userId: string, lifetimeSeconds: number): Promise<{ id: string; idHash: string }> {
  const id = randomToken();
  const idHash = sha256(id);
  await db
    .insertInto('sessions')
    .values({ id_hash: idHash, user_id: userId, expires_at: new Date(Date.now() + lifetimeSeconds * 1000) })
    .execute();
  return { id, idHash };
}

/**
 * Ends a sign-in session, and with it every online_access refresh token of the
 * grants made in it (SMART: online access lasts while the user stays signed in).
 */
export async function endSession(db: Db, id: string): Promise<boolean> {
  const idHash = sha256(id);
  return db.transaction().execute(async (trx) => {
    const ended = await trx
      .updateTable('sessions')
      .set({ ended_at: new Date() })
      .where('id_hash', '=', idHash)
      .where('ended_at', 'is', null)
      .returning('id_hash')
      .executeTakeFirst();
    await trx
      .updateTable('refresh_tokens')
      .set({ revoked_at: new Date() })
      .where('revoked_at', 'is', null)
      .where('grant_id', 'in', (eb) =>
        eb.selectFrom('grants').select('id').where('session_id_hash', '=', idHash).where('access_type', '=', 'online'),
      )
      .execute();
    return ended !== undefined;
  });
}

/** The user of a session that has neither ended nor expired (the launcher's signed-in user). */
export async function findLiveSession(db: Db, id: string): Promise<{ userId: string; idHash: string } | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['user_id', 'id_hash'])
    .where('id_hash', '=', sha256(id))
    .where('ended_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row && { userId: row.user_id, idHash: row.id_hash };
}
