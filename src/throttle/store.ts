import { CompiledQuery } from 'kysely';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
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

/** Seconds until a limiter lets a key through again: Retry-After, at least 1. */
export const retryAfterSeconds = (res: RateLimiterRes): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** Counts one request for `key`: undefined while within the limit, else the seconds until it may retry. */
export async function countRequest(limiter: RateLimiterPostgres, key: string): Promise<number | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (error) {
    // consume() rejects with a RateLimiterRes past the limit: that is an answer, not an error.
    if (error instanceof RateLimiterRes) return retryAfterSeconds(error);
    throw error;
  }
}
