import type { Kysely } from 'kysely';

// Sandbox mode (issue 17): the launcher registers ad-hoc apps as temporary clients. They
// expire at `sandbox_expires_at`, and are disabled whenever the service starts with the launcher off.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('sandbox_expires_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('sandbox_expires_at').execute();
}
