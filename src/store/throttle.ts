import type { Db } from '../db/index.ts';
import { subjectKey } from '../throttle/failures.ts';

/**
 * Lifts every sign-in lock and delay on a username (from all addresses), for
 * an administrator. Returns how many counters were removed. Until the admin API
 * offers it: `npm run unlock-user -- <username>`, or in SQL
 * `delete from rate_limits where key like 'login-%:' || <subjectKey> || '%'`.
 */
export async function unlockUser(db: Db, username: string): Promise<number> {
  const key = subjectKey(username);
  const result = await db
    .deleteFrom('rate_limits')
    .where((eb) =>
      eb.or([
        eb('key', '=', `login-subject:${key}`),
        eb('key', 'like', `login-pair:${key}:%`),
        eb('key', 'like', `login-delay:${key}:%`),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
