import { CompiledQuery } from 'kysely';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { Db } from '../db/index.ts';

export const RATE_LIMITS_TABLE = 'rate_limits';

/**
 * rate-limiter-flexible's PostgreSQL store, run through our Kysely connection
 * so it works the same on PostgreSQL (shared by every instance) and on PGlite,
 * inside the schema the service uses. The table is made by migration 0005;
 * expired rows go with the regular sweep.
 */
export function postgresLimiter(db: Db, options: { keyPrefix: string; points: number; duration: number; blockDuration?: number }): RateLimiterPostgres {
  // The library speaks node-postgres: `query({ text, values })` answering `{ rows, rowCount }`.
  const storeClient = {
    query: async ({ text, values }: { text: string; values?: unknown[] }) => {
      const result = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows, rowCount: result.rows.length || Number(result.numAffectedRows ?? 0) };
    },
  };
  return new RateLimiterPostgres({
    storeClient,
    storeType: 'pool',
    tableName: RATE_LIMITS_TABLE,
    tableCreated: true,
    clearExpiredByTimeout: false,
    ...options,
  });
}
