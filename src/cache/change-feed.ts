import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Logger } from 'pino';

/** The NOTIFY channel of db/migrations/0009_change_notifications.ts. */
export const CHANNEL = 'smart_launch_changes';
/** The listening connection's application_name (pg_stat_activity). */
export const LISTENER_NAME = 'smart-launch-listener';

export interface Change {
  table: string;
  key: string;
}

/**
 * Changes to cached rows, as the database announces them. While `live` is
 * false (not yet listening, or the listening connection was lost) nothing is
 * known to be fresh: caches must not answer. Each time listening (re)starts,
 * `resync` fires first: whatever happened meanwhile was missed, so caches drop
 * everything.
 */
export interface ChangeFeed {
  readonly live: boolean;
  subscribe(listener: { change(change: Change): void; resync(): void }): void;
  close(): Promise<void>;
}

abstract class BaseFeed implements ChangeFeed {
  live = false;
  private readonly listeners: Array<{ change(change: Change): void; resync(): void }> = [];
  constructor(protected readonly schema: string) {}

  subscribe(listener: { change(change: Change): void; resync(): void }): void {
    this.listeners.push(listener);
  }

  protected deliver(payload: string): void {
    const [schema, table, ...key] = payload.split(' ');
    if (schema !== this.schema || !table) return;
    for (const l of this.listeners) l.change({ table, key: key.join(' ') });
  }

  protected goLive(): void {
    for (const l of this.listeners) l.resync();
    this.live = true;
  }

  abstract close(): Promise<void>;
}

const HEARTBEAT_MS = 5_000;
const MAX_RECONNECT_MS = 5_000;

/**
 * PostgreSQL: one session connection of its own runs LISTEN (a transaction-mode
 * pooler cannot hold one: point DATABASE_LISTEN_URL past it). A heartbeat query
 * notices a connection that died silently; on any loss the feed goes dark at
 * once and reconnects with a backoff.
 */
export class PostgresChangeFeed extends BaseFeed {
  private client: pg.Client | undefined;
  /** The listening session's backend pid (diagnostics: pg_stat_activity, pg_terminate_backend). */
  backendPid: number | undefined;
  private closed = false;
  private failures = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    schema: string,
    private readonly logger: Logger,
  ) {
    super(schema);
  }

  /** Connects once (the service waits for this at start; later losses reconnect by themselves). */
  async start(): Promise<void> {
    await this.connect().catch(() => this.scheduleReconnect());
  }

  private async connect(): Promise<void> {
    // A connect that hangs (a server that accepts but never answers) must not hold the start or a reconnect forever.
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      query_timeout: 3_000,
      application_name: LISTENER_NAME,
    });
    this.client = client;
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.deliver(message.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      this.backendPid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
    } catch (err) {
      this.lost(client, err);
      throw err;
    }
    if (this.closed || this.client !== client) return;
    this.failures = 0;
    this.heartbeat = setInterval(() => client.query('select 1').catch((err: unknown) => this.lost(client, err)), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.goLive();
    this.logger.debug('listening for cache invalidations');
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.live = false;
    clearInterval(this.heartbeat);
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.closed) return;
    this.logger.warn({ err }, 'cache invalidation listener lost: caches off until it is back');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    const delay = Math.min(MAX_RECONNECT_MS, 100 * 2 ** this.failures++);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect().catch(() => this.scheduleReconnect());
    }, delay);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}

/** PGlite: one process owns the database, so its own notifications are the whole truth. */
export class PgliteChangeFeed extends BaseFeed {
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly pglite: PGlite,
    schema: string,
  ) {
    super(schema);
  }

  async start(): Promise<void> {
    this.unlisten = await this.pglite.listen(CHANNEL, (payload) => this.deliver(payload));
    this.goLive();
  }

  async close(): Promise<void> {
    this.live = false;
    await this.unlisten?.().catch(() => {});
  }
}
