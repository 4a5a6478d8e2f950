import { sql } from 'kysely';
import type { Db } from '../db/index.ts';

/** config.login: `maxFailures` failures within `windowSeconds` lock the key for `lockSeconds`. */
export interface LoginLimit {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

/** The counter keys of one sign-in attempt: per username (case-folded) and per client address. */
export function loginAttemptKeys(username: string, address: string | undefined): string[] {
  return [`user:${username.toLowerCase()}`, `ip:${address ?? 'unknown'}`];
}

/** The latest lock still in force on any of these keys, or undefined when none is locked. */
export async function lockedUntil(db: Db, keys: readonly string[], now = new Date()): Promise<Date | undefined> {
  if (keys.length === 0) return undefined;
  const rows = await db
    .selectFrom('login_attempts')
    .select('locked_until')
    .where('key', 'in', keys)
    .where('locked_until', '>', now)
    .execute();
  const times = rows.map((r) => r.locked_until).filter((t): t is Date => t !== null).map((t) => new Date(t));
  return times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : undefined;
}

/**
 * Counts one failed sign-in against a key, in one atomic statement (concurrent
 * failures never lose a count). A window that has run out, or a lock that has
 * ended, starts a fresh count. Reaching `maxFailures` sets the lock.
 * Returns the lock end when this failure locked the key (or it already was).
 */
export async function recordLoginFailure(db: Db, key: string, limit: LoginLimit, now = new Date()): Promise<Date | undefined> {
  const windowStart = new Date(now.getTime() - limit.windowSeconds * 1000);
  const lockEnd = new Date(now.getTime() + limit.lockSeconds * 1000);
  // Column references in the SET expressions read the row as it was before this update.
  const fresh = sql<boolean>`(login_attempts.window_started_at <= ${windowStart}::timestamptz or (login_attempts.locked_until is not null and login_attempts.locked_until <= ${now}::timestamptz))`;
  const failures = sql<number>`case when ${fresh} then 1 else login_attempts.failures + 1 end`;
  const row = await db
    .insertInto('login_attempts')
    .values({ key, failures: 1, window_started_at: now, locked_until: limit.maxFailures <= 1 ? lockEnd : null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures,
        window_started_at: sql<Date>`case when ${fresh} then ${now}::timestamptz else login_attempts.window_started_at end`,
        locked_until: sql<Date | null>`case when ${failures} >= ${limit.maxFailures}::integer then ${lockEnd}::timestamptz when ${fresh} then null else login_attempts.locked_until end`,
      }),
    )
    .returning(['failures', 'locked_until'])
    .executeTakeFirstOrThrow();
  return row.locked_until && new Date(row.locked_until) > now ? new Date(row.locked_until) : undefined;
}

/** A successful sign-in forgets the failures counted against this key. */
export async function clearLoginFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_attempts').where('key', '=', key).execute();
}
