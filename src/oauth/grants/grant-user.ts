import type { Db } from '../../db/index.ts';
import { findUser, type User } from '../../store/users.ts';
import { invalidGrant } from '../errors.ts';

/**
 * The local user a grant was made for, read again now (so the claim rules see
 * current attributes), or undefined when the grant has none (an EHR-vouched
 * user without an account, a backend service). A user since disabled or
 * removed ends the grant: invalid_grant.
 */
export async function currentGrantUser(db: Db, userId: string | null): Promise<User | undefined> {
  if (!userId) return undefined;
  const user = await findUser(db, userId);
  if (!user || user.disabled) throw invalidGrant('the user is disabled');
  return user;
}
