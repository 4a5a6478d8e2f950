import type { Db } from '../db/index.ts';
import type { Change, ChangeFeed } from './change-feed.ts';

export { PgliteChangeFeed, PostgresChangeFeed, type Change, type ChangeFeed } from './change-feed.ts';
export { WriteWatch } from './write-watch.ts';

/** How long a local write keeps a cache from answering if its NOTIFY never comes (a rolled-back transaction). */
const LOCAL_WRITE_PAUSE_MS = 1_000;

/**
 * One process cache: entries by key, at most `max` (the oldest goes first),
 * dropped when a change to one of `tables` concerns them (`concerns` says
 * which; by default the entry whose key is the changed row's key).
 */
export interface CacheSpec<V> {
  max: number;
  tables: readonly string[];
  concerns?: (change: Change, value: V, key: string) => boolean;
}

export class Cache<V> {
  readonly entries = new Map<string, V>();
  constructor(readonly spec: CacheSpec<V>) {}

  set(key: string, value: V): void {
    if (!this.entries.has(key) && this.entries.size >= this.spec.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }

  drop(change: Change): void {
    if (!this.spec.tables.includes(change.table)) return;
    if (!this.spec.concerns) {
      this.entries.delete(change.key);
      return;
    }
    for (const [key, value] of this.entries) if (this.spec.concerns(change, value, key)) this.entries.delete(key);
  }
}

/**
 * Process caches of what every token request reads and what rarely changes
 * (clients, users, the standing of verified access tokens), kept fresh by the
 * database's change notifications (change-feed.ts). What keeps them right
 * across instances:
 * - while the feed is not live, nothing is answered from memory (fail closed:
 *   every read goes to the database), and every (re)start of the feed empties
 *   them (a full resync: whatever changed meanwhile was missed);
 * - a read that was in flight while any change arrived is returned but not
 *   kept (its row may predate the change): a generation counter;
 * - this instance's own writes (write-watch.ts) stop the caches that depend on
 *   the table from answering until the NOTIFY for it arrives, so what was just
 *   changed here is never answered from memory either.
 */
export class Caches {
  private generation = 0;
  private readonly caches = new Map<string, Cache<never>>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(readonly feed: ChangeFeed) {
    feed.subscribe({ change: (change) => this.changed(change), resync: () => this.clear() });
  }

  /** The cache of this name, created with `spec` on first use. */
  cache<V>(name: string, spec: CacheSpec<V>): Cache<V> {
    let cache = this.caches.get(name) as unknown as Cache<V> | undefined;
    if (!cache) this.caches.set(name, (cache = new Cache(spec)) as unknown as Cache<never>);
    return cache;
  }

  /** May this cache answer now? */
  usable(cache: { spec: { tables: readonly string[] } }): boolean {
    if (!this.feed.live) return false;
    const now = Date.now();
    return cache.spec.tables.every((t) => (this.pausedUntil.get(t) ?? 0) <= now);
  }

  /** The cached value, or `load()`'s, kept (unless undefined) when no change arrived meanwhile. */
  async read<V>(cache: Cache<V>, key: string, load: () => Promise<V>): Promise<V> {
    if (!this.usable(cache)) return load();
    const hit = cache.entries.get(key);
    if (hit !== undefined) return hit;
    const generation = this.generation;
    const value = await load();
    this.keep(cache, key, value, generation);
    return value;
  }

  /** The current generation, for a read that decides later whether to keep what it loaded. */
  snapshot(): number {
    return this.generation;
  }

  keep<V>(cache: Cache<V>, key: string, value: V | undefined, generation: number): void {
    if (value !== undefined && generation === this.generation && this.usable(cache)) cache.set(key, value);
  }

  /** This instance is writing `table`: until its NOTIFY comes, what depends on it is read from the database. */
  localWrite(table: string): void {
    this.generation++;
    this.pausedUntil.set(table, Date.now() + LOCAL_WRITE_PAUSE_MS);
  }

  private changed(change: Change): void {
    this.generation++;
    this.pausedUntil.delete(change.table);
    for (const cache of this.caches.values()) cache.drop(change);
  }

  clear(): void {
    this.generation++;
    for (const cache of this.caches.values()) cache.entries.clear();
  }
}

const registry = new WeakMap<Db, Caches>();

/** Caches serve reads made through this Db (the service's; a transaction's Db is another object and reads the database). */
export function attachCaches(db: Db, caches: Caches): void {
  registry.set(db, caches);
}

export function cachesOf(db: Db): Caches | undefined {
  return registry.get(db);
}
