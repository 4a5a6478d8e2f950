import { sql, type Kysely } from 'kysely';

/**
 * Failed-authentication counters (rate_limits, migration 0005) announce their
 * changes like the cached tables of 0009, so each instance can answer "no
 * throttle applies" from memory for a client or user with no new failures,
 * and still sees a failure counted or a lock set at any instance within one
 * NOTIFY (src/throttle/failures.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create trigger rate_limits_notify_change after insert or update or delete on rate_limits
      for each row execute function smart_launch_notify_change('key')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists rate_limits_notify_change on rate_limits`.execute(db);
}
