/**
 * A PostgreSQL adapter for the oidc-provider baseline, so it can also be
 * measured persisting what it must (client-assertion jtis for replay
 * detection, opaque tokens), as smart-launch does. The adapter API is
 * oidc-provider's (upsert, find, findByUid, findByUserCode, consume, destroy,
 * revokeByGrantId); one table, JSONB payloads, named prepared statements like
 * smart-launch's pool. Bench-only code.
 */
import pg from 'pg';

let pool: pg.Pool | undefined;

export async function openBaselineDatabase(url: string): Promise<void> {
  pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query(`create table if not exists oidc_models (
    model text not null, id text not null, payload jsonb not null,
    grant_id text, user_code text, uid text, expires_at timestamptz, consumed_at timestamptz,
    primary key (model, id))`);
  await pool.query('create index if not exists oidc_models_grant on oidc_models (grant_id)');
}

const query = (name: string, text: string, values: unknown[]) => pool!.query({ name, text, values });

type Payload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string };

export class PgAdapter {
  constructor(private readonly model: string) {}

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    await query(
      'upsert',
      `insert into oidc_models (model, id, payload, grant_id, user_code, uid, expires_at)
       values ($1, $2, $3, $4, $5, $6, case when $7::int is null then null else now() + make_interval(secs => $7::int) end)
       on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
         user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
      [this.model, id, payload, payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn ?? null],
    );
  }

  private async findBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<Payload | undefined> {
    const { rows } = await query(
      `find_${column}`,
      `select payload, consumed_at from oidc_models
       where model = $1 and ${column} = $2 and (expires_at is null or expires_at > now())`,
      [this.model, value],
    );
    const row = rows[0] as { payload: Payload; consumed_at: Date | null } | undefined;
    return row && { ...row.payload, ...(row.consumed_at ? { consumed: Math.floor(row.consumed_at.getTime() / 1000) } : {}) };
  }

  find(id: string) {
    return this.findBy('id', id);
  }
  findByUid(uid: string) {
    return this.findBy('uid', uid);
  }
  findByUserCode(userCode: string) {
    return this.findBy('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    await query('consume', 'update oidc_models set consumed_at = now() where model = $1 and id = $2', [this.model, id]);
  }
  async destroy(id: string): Promise<void> {
    await query('destroy', 'delete from oidc_models where model = $1 and id = $2', [this.model, id]);
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    await query('revoke', 'delete from oidc_models where grant_id = $1', [grantId]);
  }
}
