import { mkdirSync } from 'node:fs';
import { DataDirectoryError } from './errors.ts';
import { lockDataDirectory } from './data-dir-lock.ts';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely/migration';
import pg from 'pg';
import { migrations } from '../../db/migrations/index.ts';
import type { Logger } from 'pino';
import { PgliteChangeFeed, PostgresChangeFeed, WriteWatch, type ChangeFeed } from '../cache/index.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import { preparingPool } from './prepared-statements.ts';
import { SchemaIntrospector } from './schema-introspector.ts';
import type { Database } from './types.ts';

export type { Database } from './types.ts';
export type Db = Kysely<Database>;

export type DatabaseTarget =
  | {
      kind: 'postgres';
      url: string;
      schema?: string;
      poolSize?: number;
      /** DATABASE_LISTEN_URL: a session connection for LISTEN, past a transaction pooler. */
      listenUrl?: string;
      /** DATABASE_PREPARED_STATEMENTS=false: no named statements (a transaction-mode pooler). */
      preparedStatements?: boolean;
    }
  | { kind: 'pglite'; dir: string | 'memory' };

export interface OpenDatabase {
  db: Db;
  target: DatabaseTarget;
  /** This process's own writes to the tables caches depend on (src/cache/write-watch.ts). */
  writes: WriteWatch;
  /** Starts listening for changes (NOTIFY) of the current schema. */
  changeFeed(logger: Logger): Promise<ChangeFeed>;
  close(): Promise<void>;
  /** PostgreSQL pool use, for metrics (PGlite has no pool). */
  poolStats?: () => { total: number; idle: number; waiting: number };
}

export interface OpenOptions {
  /** A connection failed outside any request (an idle client, a restart): log it; never crash. */
  onConnectionError?: (error: Error) => void;
}

/** PostgreSQL, introspected one schema at a time (src/db/schema-introspector.ts). */
class SchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>) {
    return new SchemaIntrospector(db);
  }
}

async function currentSchema(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]!.schema;
}

/** Opens Kysely on real PostgreSQL or on embedded PGlite. Does not migrate. */
export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<OpenDatabase> {
  const onError = (error: Error) => options.onConnectionError?.(error);
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      // While the database is unreachable, fail fast (a 503) rather than queue requests.
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      // A schema per test file (or per tenant) keeps runs from colliding on one database.
      options: [target.schema ? `-c search_path=${target.schema}` : '', '-c plan_cache_mode=force_generic_plan'].join(' ').trim(),
    });
    // Without these listeners a restarted or killed PostgreSQL ('terminating connection due to
    // administrator command') is an unhandled 'error' event that ends the process. The query in
    // flight fails on its own (a 503); pg-pool drops the broken client and connects anew.
    pool.on('error', onError);
    pool.on('connect', (client) => {
      client.on('error', onError);
    });
    const writes = new WriteWatch();
    const dialect = new SchemaPostgresDialect({ pool: target.preparedStatements === false ? pool : preparingPool(pool) });
    const db = new Kysely<Database>({ dialect, plugins: [writes] });
    const changeFeed = async (logger: Logger) => {
      const feed = new PostgresChangeFeed(target.listenUrl ?? target.url, await currentSchema(db), logger);
      await feed.start();
      return feed;
    };
    const poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
    return { db, target, writes, changeFeed, close: () => db.destroy(), poolStats };
  }
  if (target.dir === 'memory') {
    const pglite = new PGlite();
    await pglite.waitReady;
    return pgliteDatabase(target, pglite, () => {});
  }
  return openPGliteDirectory(target, target.dir);
}

function pgliteDatabase(target: DatabaseTarget, pglite: PGlite, release: () => void): OpenDatabase {
  const writes = new WriteWatch();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), plugins: [writes] });
  const changeFeed = async () => {
    const feed = new PgliteChangeFeed(pglite, await currentSchema(db));
    await feed.start();
    return feed;
  };
  return {
    db,
    target,
    writes,
    changeFeed,
    close: async () => {
      await db.destroy();
      release();
    },
  };
}

/**
 * PGlite on a directory: one process at a time (PGlite does not lock it itself, and two
 * writers corrupt it), and a directory PGlite cannot open stops the start with a message.
 */
async function openPGliteDirectory(target: DatabaseTarget, dir: string): Promise<OpenDatabase> {
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDirectory(dir);
  try {
    const pglite = new PGlite(dir);
    await pglite.waitReady;
    await pglite.query('select 1');
    return pgliteDatabase(target, pglite, unlock);
  } catch (error) {
    unlock();
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataDirectoryError(
      `the PGlite data directory ${dir} could not be opened (${reason || 'damaged or from another PGlite version'}). ` +
        'Restore it from a backup, or move it away to start with an empty database.',
    );
  }
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Runs pending migrations from db/migrations. Kysely's migrator holds a
 * PostgreSQL advisory lock meanwhile, so instances starting together on one
 * database migrate once and the others wait.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // Kysely looks for its own tables by name in any schema: pin them to ours, so
  // several schemas on one database (a schema per test file, or per tenant) each migrate.
  const schema = await ensureSchema(db);
  const migrator = new Migrator({ db, provider, migrationTableSchema: schema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The schema the tables go in: the first of the search_path. A search_path
 * schema that does not exist yet (DATABASE_URL `?options=-c search_path=smart`)
 * is created, so a fresh database needs no manual step.
 */
async function ensureSchema(db: Db): Promise<string> {
  const current = async () => (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? null;
  const existing = await current();
  if (existing) return existing;
  const path = (await sql<{ path: string }>`select current_setting('search_path') as path`.execute(db)).rows[0]?.path ?? '';
  const wanted = path
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .find((s) => s && s !== '$user');
  if (!wanted) throw new Error(`the database has no schema to create tables in (search_path "${path}")`);
  await sql`create schema if not exists ${sql.id(wanted)}`.execute(db);
  return (await current()) ?? wanted;
}

/** True when the database answers a trivial query. */
export async function databaseIsHealthy(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
