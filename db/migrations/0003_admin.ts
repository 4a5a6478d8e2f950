import { sql, type Kysely } from 'kysely';

// Admin API and dynamic client registration (issue 16):
// - a rotated client secret stays valid until `previous_secret_expires_at` (the overlap window);
// - `source` says who manages a client: smart-config/ (upserted at every start), the admin API or CLI,
//   or RFC 7591 registration (managed with its registration access token, stored hashed).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('previous_secret_hash', 'text')
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('config').check(sql`source in ('config', 'admin', 'registration')`))
    .addColumn('registration_token_hash', 'text')
    .execute();
  await db.schema.createIndex('audit_events_client').on('audit_events').column('client_id').execute();
  await db.schema.createIndex('audit_events_user').on('audit_events').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_events_user').ifExists().execute();
  await db.schema.dropIndex('audit_events_client').ifExists().execute();
  await db.schema
    .alterTable('clients')
    .dropColumn('registration_token_hash')
    .dropColumn('source')
    .dropColumn('previous_secret_expires_at')
    .dropColumn('previous_secret_hash')
    .execute();
}
