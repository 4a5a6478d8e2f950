import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { CLIENT_PRIVATE_KEYS, type BenchKid } from './fixtures.ts';

/** SMART's client assertions expire within 5 minutes: a pool older than this is not used. */
export const POOL_LIFETIME_SECONDS = 280;

/**
 * Client assertions for private_key_jwt (ES384 or RS384, the kid's key), each
 * with its own jti. `aud` lists every server's token URL (RFC 7523 §3 allows
 * an array; both servers accept one that contains theirs), so one pool serves
 * every server and each server sees each jti once. Signed with node:crypto
 * before the timed runs; once the pre-signed ones run out (a long
 * BENCH_DURATION run), a cursor signs fresh ones as it goes.
 */
export class AssertionPool {
  private readonly key: KeyObject;
  private readonly header: string;
  readonly assertions: string[] = [];
  signedAt = Date.now();

  constructor(
    readonly clientId: string,
    readonly tokenUrls: string[],
    readonly kid: BenchKid,
  ) {
    const jwk = CLIENT_PRIVATE_KEYS[kid];
    this.key = createPrivateKey({ key: jwk, format: 'jwk' });
    this.header = b64({ alg: jwk.alg, kid, typ: 'JWT' });
  }

  get alg(): string {
    return CLIENT_PRIVATE_KEYS[this.kid].alg;
  }

  /** One freshly signed assertion. */
  signOne(): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = b64({ iss: this.clientId, sub: this.clientId, aud: this.tokenUrls, exp: now + 295, iat: now, jti: randomUUID() });
    const input = `${this.header}.${claims}`;
    const options = this.alg.startsWith('ES') ? { key: this.key, dsaEncoding: 'ieee-p1363' as const } : this.key;
    return `${input}.${sign('sha384', Buffer.from(input), options).toString('base64url')}`;
  }

  /** Signs `size` assertions, yielding to the event loop now and then (servers are being polled meanwhile). */
  async fill(size: number): Promise<this> {
    this.signedAt = Date.now();
    this.assertions.length = 0;
    for (let i = 0; i < size; i++) {
      this.assertions.push(this.signOne());
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    return this;
  }

  /** A cursor over the pool for one server (the same assertions, in order). */
  cursor(): AssertionCursor {
    return new AssertionCursor(this);
  }

  get fresh(): boolean {
    return (Date.now() - this.signedAt) / 1000 < POOL_LIFETIME_SECONDS;
  }
}

export class AssertionCursor {
  private next = 0;
  constructor(private readonly pool: AssertionPool) {}

  take(): string {
    const assertion = this.pool.fresh ? this.pool.assertions[this.next++] : undefined;
    return assertion ?? this.pool.signOne();
  }

  /** Pre-signed assertions left (0 once the pool is too old to use). */
  get remaining(): number {
    return this.pool.fresh ? this.pool.assertions.length - this.next : 0;
  }
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
