/**
 * Which database errors mean "the database is not reachable right now" (a 503
 * with Retry-After), as opposed to a bug (a 500). A request that fails this way
 * has had its transaction rolled back by PostgreSQL: nothing is half-written.
 */

// SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, crash, starting up),
// 53300 (too many connections), 53400 (configuration limit), 58030 (I/O error).
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[123]|53300|53400|58030)$/;
// Node socket errors on connect or mid-query.
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// node-postgres and pg-pool raise these as plain Errors, without a code.
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Query read timeout|the database system is (starting up|shutting down|in recovery mode)/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_ERRNOS.has(code))) return true;
  if (UNAVAILABLE_MESSAGES.test(error.message)) return true;
  // AggregateError from a connect that tried several addresses (localhost: ::1 and 127.0.0.1).
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return error.cause !== undefined && error.cause !== error && isDatabaseUnavailable(error.cause);
}

/** Seconds a client is told to wait (Retry-After) while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** A PGlite data directory that cannot be used: held by another process, or damaged. */
export class DataDirectoryError extends Error {
  override name = 'DataDirectoryError';
}
