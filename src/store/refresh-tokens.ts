import type { Insertable } from 'kysely';
import type { Db } from '../db/index.ts';
import type { RefreshTokensTable } from '../db/types.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';

export type NewRefreshToken = Omit<Insertable<RefreshTokensTable>, 'token_hash'>;

/** Stores a refresh token (hashed) and returns the plain value for the token response. */
export async function insertRefreshToken(db: Db, values: NewRefreshToken): Promise<string> {
  const token = randomToken();
  await db.insertInto('refresh_tokens').values({ ...values, token_hash: sha256(token) }).execute();
  return token;
}
