import { sql, type Kysely } from 'kysely';

/**
 * Counters of failed sign-ins and client authentications, in the table layout
 * rate-limiter-flexible's PostgreSQL store uses (key, points, expire in epoch
 * ms), so every instance on one database shares them. `expire` is double
 * precision rather than the library's bigint so PGlite and pg both hand back
 * a JS number. Replaces login_attempts.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expire', 'double precision')
    .execute();
  await db.schema.createIndex('rate_limits_expire').on('rate_limits').column('expire').execute();
  await db.schema.dropTable('login_attempts').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
  await sql`create table login_attempts (key text primary key, failures integer not null default 0, window_started_at timestamptz not null, locked_until timestamptz)`.execute(db);
}
