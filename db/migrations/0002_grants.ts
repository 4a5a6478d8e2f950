import { sql, type Kysely } from 'kysely';

/**
 * One record of what was granted to whom (DESIGN.md "grants"): created once at
 * consent, or by client_credentials. Codes and refresh tokens keep only their
 * hash, their grant, expiry and consumed/revoked state; revoking a grant is its
 * one row. Existing rows move in place: a grant per code (everything frozen at
 * consent) or, where the code was swept, per refresh family; grant revocations
 * become `grants.revoked_at`. Access tokens need nothing: their jti starts with
 * the grant id, which stays the grant's id.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('fhir_user', 'text')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('aud', 'text', (c) => c.notNull())
    .addColumn('context', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    // Null for client_credentials (no launch).
    .addColumn('launch_type', 'text', (c) => c.check(sql`launch_type in ('ehr', 'standalone')`))
    .addColumn('launch_extra', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    // What its refresh tokens last for (SMART offline_access / online_access); null: no refresh.
    .addColumn('access_type', 'text', (c) => c.check(sql`access_type in ('offline', 'online')`))
    .addColumn('auth_time', 'timestamptz')
    .addColumn('session_id_hash', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_reason', 'text')
    .execute();
  await db.schema.createIndex('grants_client_id').on('grants').column('client_id').execute();
  await db.schema.createIndex('grants_user_id').on('grants').column('user_id').execute();
  await db.schema.createIndex('grants_session').on('grants').column('session_id_hash').execute();
  await sql`create index grants_patient on grants ((context ->> 'patient'))`.execute(db);

  // Grants from codes: everything was frozen there at consent.
  await sql`
    insert into grants (id, client_id, user_id, fhir_user, scope, aud, context, launch_type, launch_extra, access_type,
                        auth_time, session_id_hash, created_at, last_used_at)
    select c.grant_id, c.client_id, c.user_id, c.fhir_user, c.scope, c.aud, c.context, c.launch_type, c.launch_extra,
           coalesce((select rt.access_type from refresh_tokens rt where rt.family_id = c.grant_id limit 1),
                    case when ' ' || c.scope || ' ' like '% offline_access %' then 'offline'
                         when ' ' || c.scope || ' ' like '% online_access %' then 'online' end),
           c.auth_time, c.session_id_hash, c.created_at, c.consumed_at
    from authorization_codes c`.execute(db);
  // Grants from refresh families whose code is gone: every row of a family carries the same inputs.
  await sql`
    insert into grants (id, client_id, user_id, fhir_user, scope, aud, context, launch_type, launch_extra, access_type,
                        auth_time, session_id_hash, created_at)
    select distinct on (rt.family_id) rt.family_id, rt.client_id, rt.user_id, rt.fhir_user, rt.scope, rt.aud, rt.context,
           rt.launch_type, rt.launch_extra, rt.access_type, rt.auth_time, rt.session_id_hash, rt.created_at
    from refresh_tokens rt
    where not exists (select 1 from grants g where g.id = rt.family_id)
    order by rt.family_id, rt.created_at`.execute(db);
  await sql`
    update grants g set last_used_at = greatest(g.last_used_at, f.last_rotation)
    from (select family_id, max(created_at) as last_rotation from refresh_tokens group by family_id) f
    where f.family_id = g.id`.execute(db);

  // Grant revocations become the grant's own row. One whose code and tokens were swept
  // keeps a bare grant row while it still matters (its access tokens may be alive).
  await sql`
    update grants g set revoked_at = r.revoked_at, revoked_reason = r.reason
    from revocations r where r.kind = 'grant' and r.key = g.id`.execute(db);
  await sql`
    insert into grants (id, client_id, scope, aud, created_at, revoked_at, revoked_reason)
    select r.key, r.client_id, '', '', r.revoked_at, r.revoked_at, r.reason
    from revocations r
    where r.kind = 'grant' and r.expires_at > now()
      and not exists (select 1 from grants g where g.id = r.key)
      and exists (select 1 from clients c where c.id = r.client_id)`.execute(db);
  await sql`delete from revocations where kind = 'grant'`.execute(db);
  await db.schema.alterTable('revocations').dropColumn('kind').execute();
  await db.schema.alterTable('revocations').renameColumn('key', 'jti').execute();

  // Codes keep what only the authorization request had: redirect_uri, PKCE challenge, nonce.
  await dropColumns(db, 'authorization_codes', [
    'client_id', 'scope', 'aud', 'context', 'launch_type', 'launch_extra', 'user_id', 'fhir_user', 'session_id_hash', 'auth_time',
  ]);
  await db.schema
    .alterTable('authorization_codes')
    .addForeignKeyConstraint('authorization_codes_grant_id_fk', ['grant_id'], 'grants', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();

  // Refresh tokens: hash, grant, expiry, consumed (rotation) and revoked state.
  await db.schema.dropIndex('refresh_tokens_family_id').execute();
  await db.schema.alterTable('refresh_tokens').renameColumn('family_id', 'grant_id').execute();
  await dropColumns(db, 'refresh_tokens', [
    'client_id', 'user_id', 'fhir_user', 'session_id_hash', 'access_type', 'scope', 'aud', 'context', 'launch_type', 'launch_extra', 'auth_time',
  ]);
  await db.schema.createIndex('refresh_tokens_grant_id').on('refresh_tokens').column('grant_id').execute();
  await db.schema
    .alterTable('refresh_tokens')
    .addForeignKeyConstraint('refresh_tokens_grant_id_fk', ['grant_id'], 'grants', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();
}

/** One ALTER TABLE for several columns (names are constants of this file, never input). */
async function dropColumns(db: Kysely<any>, table: string, columns: readonly string[]): Promise<void> {
  await sql`alter table ${sql.table(table)} ${sql.raw(columns.map((c) => `drop column ${c}`).join(', '))}`.execute(db);
}
