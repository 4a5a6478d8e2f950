import { sql, type Kysely } from 'kysely';

/**
 * Every change to a row that process caches hold (clients, users) or that
 * ends a token's standing (revocations, a grant's revocation) is announced
 * with NOTIFY on `smart_launch_changes` (delivered at commit), payload
 * `<schema> <table> <key>`, so each instance drops what it cached
 * (src/cache/). The schema is in the payload because a channel is per
 * database and several schemas may share one. A grant's other updates
 * (last_used_at at each refresh) announce nothing.
 */
const TRIGGERS: Array<[table: string, key: string, when: string]> = [
  ['clients', 'id', 'after insert or update or delete'],
  ['users', 'id', 'after insert or update or delete'],
  ['revocations', 'jti', 'after insert or update or delete'],
  ['grants', 'id', 'after delete'],
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function smart_launch_notify_change() returns trigger language plpgsql as $$
    begin
      if TG_OP <> 'INSERT' then
        perform pg_notify('smart_launch_changes', TG_TABLE_SCHEMA || ' ' || TG_TABLE_NAME || ' ' || (to_jsonb(old) ->> TG_ARGV[0]));
      end if;
      if TG_OP <> 'DELETE' then
        perform pg_notify('smart_launch_changes', TG_TABLE_SCHEMA || ' ' || TG_TABLE_NAME || ' ' || (to_jsonb(new) ->> TG_ARGV[0]));
      end if;
      return null;
    end $$`.execute(db);
  for (const [table, key, when] of TRIGGERS)
    await sql`create trigger ${sql.raw(`${table}_notify_change`)} ${sql.raw(when)} on ${sql.table(table)}
      for each row execute function smart_launch_notify_change(${sql.lit(key)})`.execute(db);
  await sql`create trigger grants_notify_revocation after update on grants
      for each row when (old.revoked_at is distinct from new.revoked_at) execute function smart_launch_notify_change('id')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists grants_notify_revocation on grants`.execute(db);
  for (const [table] of TRIGGERS) await sql`drop trigger if exists ${sql.raw(`${table}_notify_change`)} on ${sql.table(table)}`.execute(db);
  await sql`drop function if exists smart_launch_notify_change()`.execute(db);
}
