import type { Db } from '../db/index.ts';
import { sha256 } from '../tokens/secrets.ts';

/**
 * The launch `extra` of what a token request or an access token stems from:
 * where the launcher's simulated error rides along (sandbox mode only reads it).
 */
export async function launchExtraOfCode(db: Db, code: string): Promise<Record<string, unknown> | undefined> {
  const row = await db.selectFrom('authorization_codes').select('launch_extra').where('code_hash', '=', sha256(code)).executeTakeFirst();
  return row?.launch_extra;
}

export async function launchExtraOfRefreshToken(db: Db, token: string): Promise<Record<string, unknown> | undefined> {
  const row = await db.selectFrom('refresh_tokens').select('launch_extra').where('token_hash', '=', sha256(token)).executeTakeFirst();
  return row?.launch_extra;
}

export async function launchExtraOfGrant(db: Db, grantId: string): Promise<Record<string, unknown> | undefined> {
  const row = await db.selectFrom('authorization_codes').select('launch_extra').where('grant_id', '=', grantId).executeTakeFirst();
  return row?.launch_extra;
}
