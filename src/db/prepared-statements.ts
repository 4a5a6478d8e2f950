import { createHash } from 'node:crypto';
import type pg from 'pg';

// Only plain DML is worth a cached plan; DDL and transaction control go through unnamed.
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
// Multi-row inserts (batched audit events) vary in shape: not worth a statement each.
const MAX_PARAMETERS = 64;
// PostgreSQL: "cached plan must not change result type" (a migration changed a table under a prepared `select *`).
const FEATURE_NOT_SUPPORTED = '0A000';

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * Makes every parameterised DML statement Kysely sends a named prepared
 * statement, so PostgreSQL plans it once per connection instead of on every
 * request. Measured on the introspection query: planning 0.49 ms, execution
 * 0.09 ms. If a migration later changes a table under a cached statement, the
 * connection's statements are dropped and the query runs again unnamed.
 */
export function usePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  (client as unknown as { query: Query }).query = (config, values, callback) => {
    if (typeof config !== 'string' || !Array.isArray(values) || callback !== undefined) return query(config, values, callback);
    if (values.length > MAX_PARAMETERS || !PREPARABLE.test(config)) return query(config, values);
    const name = `sl_${createHash('sha1').update(config).digest('base64url').slice(0, 20)}`;
    return (query({ name, text: config, values }) as Promise<unknown>).catch(async (error: { code?: string }) => {
      if (error?.code !== FEATURE_NOT_SUPPORTED) throw error;
      await query('deallocate all');
      const connection = (client as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection;
      if (connection?.parsedStatements) connection.parsedStatements = {};
      return query(config, values);
    });
  };
}
