import type { Db } from '../db/index.ts';
import { sha256 } from '../tokens/secrets.ts';
import { parseJsonObject } from './json.ts';

/**
 * The launch `extra` of the grant a code, a refresh token or an access token
 * stems from: where the launcher's simulated error rides along (read only in sandbox mode).
 */
export async function launchExtraOfCode(db: Db, code: string): Promise<Record<string, unknown> | undefined> {
  const row = await db
    .selectFrom('authorization_codes')
    .innerJoin('grants', 'grants.id', 'authorization_codes.grant_id')
    .select('grants.launch_extra')
    .where('authorization_codes.code_hash', '=', sha256(code))
    .executeTakeFirst();
  return row ? parseJsonObject(row.launch_extra) : undefined;
}

export async function launchExtraOfRefreshToken(db: Db, token: string): Promise<Record<string, unknown> | undefined> {
  const row = await db
    .selectFrom('refresh_tokens')
    .innerJoin('grants', 'grants.id', 'refresh_tokens.grant_id')
    .select('grants.launch_extra')
    .where('refresh_tokens.token_hash', '=', sha256(token))
    .executeTakeFirst();
  return row ? parseJsonObject(row.launch_extra) : undefined;
}

export async function launchExtraOfGrant(db: Db, grantId: string): Promise<Record<string, unknown> | undefined> {
  const row = await db.selectFrom('grants').select('launch_extra').where('id', '=', grantId).executeTakeFirst();
  return row ? parseJsonObject(row.launch_extra) : undefined;
}
