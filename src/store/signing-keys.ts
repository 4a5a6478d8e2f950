import { inTransactionHolding } from '../db/advisory-lock.ts';
import type { Db } from '../db/index.ts';
import type { KeyPurpose, ScheduledKey } from '../tokens/key-schedule.ts';
import { toJson } from './json.ts';

export interface StoredSigningKey extends ScheduledKey {
  alg: string;
  /** Null once the key is retired and its private half erased. */
  privateJwk: Record<string, unknown> | null;
  publicJwk: Record<string, unknown>;
}

export interface NewSigningKey {
  kid: string;
  purpose: KeyPurpose;
  alg: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  activatesAt: Date;
}

// Any constant: orders instances generating or rotating keys on one database.
const SIGNING_KEY_LOCK = 72_150_021;

/**
 * Runs `work` in a transaction holding the signing-key lock, so two instances
 * (or an instance and the CLI) never rotate or generate keys at once.
 */
export async function withSigningKeyLock<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return inTransactionHolding(db, SIGNING_KEY_LOCK, work);
}

/** Keys in /jwks at `publishedAt` (not yet retired), or every key ever made when omitted. */
export async function listSigningKeys(db: Db, options: { publishedAt?: Date } = {}): Promise<StoredSigningKey[]> {
  let query = db.selectFrom('signing_keys').selectAll().orderBy('activates_at').orderBy('created_at');
  const at = options.publishedAt;
  if (at) query = query.where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', at)]));
  const rows = await query.execute();
  return rows.map((row) => ({
    kid: row.kid,
    purpose: row.purpose,
    alg: row.alg,
    createdAt: row.created_at,
    activatesAt: row.activates_at,
    retiredAt: row.retired_at,
    privateJwk: row.private_jwk,
    publicJwk: row.public_jwk,
  }));
}

export async function insertSigningKey(db: Db, key: NewSigningKey): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: key.kid,
      purpose: key.purpose,
      alg: key.alg,
      private_jwk: toJson(key.privateJwk),
      public_jwk: toJson(key.publicJwk),
      activates_at: key.activatesAt,
    })
    .execute();
}

export async function scheduleRetirement(db: Db, kid: string, at: Date): Promise<void> {
  await db.updateTable('signing_keys').set({ retired_at: at }).where('kid', '=', kid).execute();
}

/** A retired key signs nothing and verifies nothing: its private half is erased. Returns how many. */
export async function eraseRetiredPrivateKeys(db: Db, now: Date): Promise<number> {
  const result = await db
    .updateTable('signing_keys')
    .set({ private_jwk: null })
    .where('retired_at', '<=', now)
    .where('private_jwk', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
