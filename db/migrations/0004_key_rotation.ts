import { sql, type Kysely } from 'kysely';

/**
 * Signing-key rotation: a key is published before it signs (`activates_at`),
 * several keys per purpose are published at once (pending, signing, retiring),
 * and a retired key's private half is erased (so `private_jwk` may be null).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists signing_keys_one_active`.execute(db);
  await db.schema
    .alterTable('signing_keys')
    .addColumn('activates_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`update signing_keys set activates_at = created_at`.execute(db);
  await db.schema.alterTable('signing_keys').alterColumn('private_jwk', (c) => c.dropNotNull()).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from signing_keys where private_jwk is null`.execute(db);
  await db.schema.alterTable('signing_keys').alterColumn('private_jwk', (c) => c.setNotNull()).execute();
  await db.schema.alterTable('signing_keys').dropColumn('activates_at').execute();
  await sql`create unique index signing_keys_one_active on signing_keys (purpose) where retired_at is null`.execute(db);
}
