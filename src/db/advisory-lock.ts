import { sql } from 'kysely';
import type { Db } from './index.ts';

/**
 * Runs `work` in one transaction holding the PostgreSQL advisory lock `key`
 * (released at commit or rollback), so the instances and CLI runs sharing a
 * database do it one at a time. PGlite has the same function.
 */
export async function inTransactionHolding<T>(db: Db, key: number, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${key})`.execute(trx);
    return work(trx);
  });
}
