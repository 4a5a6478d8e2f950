import { RateLimiterRes, type RateLimiterPostgres } from 'rate-limiter-flexible';
import type { ServerFile } from '../config/schema.ts';
import type { Db } from '../db/index.ts';
import { cachesOf, type CacheSpec } from '../cache/index.ts';
import { postgresLimiter, RATE_LIMITS_TABLE, retryAfterSeconds } from './store.ts';
import { sha256 as hash } from '../tokens/secrets.ts';

/** How failures of one kind are limited: server.json `login` / `clientAuth` (documented in src/config/schema.ts). */
export type FailureLimits = ServerFile['login'];

export interface Refusal {
  retryAfterSeconds: number;
  /** `delay`: this subject from this address; `subject`: locked everywhere; `address`: this address for everyone. */
  reason: 'delay' | 'subject' | 'address';
}

const KNOWN_SECONDS = 30 * 86_400;

/**
 * "Nothing throttles this subject from this address", kept in memory with the
 * rate_limits rows that decided it: a failure counted or a lock set at any
 * instance changes one of them and drops the entry (NOTIFY, migration 0010;
 * src/cache/), so a request with no failures behind it costs no round trip.
 */
const CLEAR: CacheSpec<readonly string[]> = {
  max: 10_000,
  tables: [RATE_LIMITS_TABLE],
  concerns: ({ key }, rows) => rows.includes(key),
};

/** Key parts: the subject hashed (any length, any characters), the address as is when short. */
export function subjectKey(subject: string): string {
  return hash(subject.toLowerCase());
}
const addressKey = (address: string | undefined) => (!address ? 'unknown' : address.length <= 64 ? address : hash(address));

/**
 * Failures throttled so they cannot be aimed at a victim: first per (subject,
 * address) with progressive delays, so an attacker only slows themself; a
 * subject (a username, a client id) is locked only at a much higher count,
 * from many addresses; an address, at a higher count still. A subject that
 * succeeded from an address within 30 days (`rememberSuccess`) keeps signing in
 * from there through a subject or address lock: a locked-out victim is not
 * locked out at home.
 */
export class FailureThrottle {
  private readonly failures: RateLimiterPostgres;
  private readonly delays: RateLimiterPostgres;
  private readonly subjects: RateLimiterPostgres;
  private readonly addresses: RateLimiterPostgres;
  private readonly known: RateLimiterPostgres;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
    private readonly limits: FailureLimits,
    private readonly rememberSuccess: boolean,
  ) {
    const window = limits.windowSeconds;
    this.failures = postgresLimiter(db, { keyPrefix: `${prefix}-pair`, points: 1_000_000, duration: window });
    this.delays = postgresLimiter(db, { keyPrefix: `${prefix}-delay`, points: 1, duration: 1 });
    const lock = { duration: window, blockDuration: limits.lockSeconds };
    this.subjects = postgresLimiter(db, { keyPrefix: `${prefix}-subject`, points: limits.lockFailures, ...lock });
    this.addresses = postgresLimiter(db, { keyPrefix: `${prefix}-address`, points: limits.addressLockFailures, ...lock });
    this.known = postgresLimiter(db, { keyPrefix: `${prefix}-known`, points: 1, duration: KNOWN_SECONDS });
  }

  /** Whether an attempt may go ahead now; a refusal says for how long. Checked before any secret is compared. */
  async check(subject: string, address: string | undefined): Promise<Refusal | undefined> {
    const s = subjectKey(subject);
    const pair = `${s}:${addressKey(address)}`;
    const caches = cachesOf(this.db);
    const clear = caches?.cache(`${this.prefix}-clear`, CLEAR);
    if (caches && clear && caches.usable(clear) && clear.entries.has(pair)) return undefined;
    const generation = caches?.snapshot() ?? 0;
    const rows = [this.failures.getKey(pair), this.delays.getKey(pair), this.subjects.getKey(s), this.addresses.getKey(addressKey(address))];
    const [delay, subjectLock, addressLock] = await Promise.all([
      this.delays.get(pair),
      this.subjects.get(s),
      this.addresses.get(addressKey(address)),
    ]);
    const blocked = (res: RateLimiterRes | null, points: number) => (res && res.consumedPoints > points ? retryAfterSeconds(res) : 0);
    const refusal = (retryAfterSeconds: number, reason: Refusal['reason']) => (retryAfterSeconds > 0 ? { retryAfterSeconds, reason } : undefined);
    const byPair = refusal(blocked(delay, 1), 'delay');
    if (byPair) return byPair;
    const wide = refusal(blocked(subjectLock, this.limits.lockFailures), 'subject') ?? refusal(blocked(addressLock, this.limits.addressLockFailures), 'address');
    if (!wide) {
      if (caches && clear) caches.keep(clear, pair, rows, generation);
      return undefined;
    }
    if (this.rememberSuccess && (await this.known.get(pair))) return undefined;
    return wide;
  }

  /** Counts a failure; returns true when it locked the subject (the caller audits that). */
  async recordFailure(subject: string, address: string | undefined): Promise<{ subjectLocked: boolean }> {
    const s = subjectKey(subject);
    const pair = `${s}:${addressKey(address)}`;
    cachesOf(this.db)?.localWrite(RATE_LIMITS_TABLE);
    const [count, subjectRes] = await Promise.all([
      this.failures.penalty(pair, 1),
      overLimit(this.subjects.consume(s)),
      overLimit(this.addresses.consume(addressKey(address))),
    ]);
    const beyond = count.consumedPoints - this.limits.freeFailures;
    if (beyond > 0) await this.delays.block(pair, delaySeconds(this.limits, beyond));
    // Exactly the failure that crossed the limit locks (later ones find it locked already).
    return { subjectLocked: subjectRes?.consumedPoints === this.limits.lockFailures + 1 };
  }

  /** A success from this address forgets its failures here (and remembers the address, if asked). */
  async recordSuccess(subject: string, address: string | undefined): Promise<void> {
    const pair = `${subjectKey(subject)}:${addressKey(address)}`;
    cachesOf(this.db)?.localWrite(RATE_LIMITS_TABLE);
    await Promise.all([
      this.failures.delete(pair),
      this.delays.delete(pair),
      this.rememberSuccess ? this.known.set(pair, 1, KNOWN_SECONDS) : undefined,
    ]);
  }
}

/** The progressive delay after the n-th failure past the free ones: first, 2 x first, 4 x first... capped. */
export function delaySeconds(limits: Pick<FailureLimits, 'firstDelaySeconds' | 'maxDelaySeconds'>, beyond: number): number {
  return Math.min(limits.firstDelaySeconds * 2 ** Math.min(beyond - 1, 30), limits.maxDelaySeconds);
}


/** consume() rejects with a RateLimiterRes past the limit: that is an answer, not an error. */
async function overLimit(work: Promise<RateLimiterRes>): Promise<RateLimiterRes | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    if (error instanceof RateLimiterRes) return error;
    throw error;
  }
}
