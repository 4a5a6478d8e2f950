import { createPrivateKey, randomUUID, sign, type JsonWebKey } from 'node:crypto';
import { CLIENT_PRIVATE_KEYS } from '../../test/helpers/assertions.ts';

/** SMART's client assertions expire within 5 minutes: a pool older than this is not used. */
export const POOL_LIFETIME_SECONDS = 280;

/**
 * Pre-signed client assertions (ES384, kid bulk-exporter-es384-1), each with
 * its own jti, as test/helpers/assertions.ts builds them. `aud` lists every
 * server's token URL (RFC 7523 §3 allows an array; both servers accept one
 * that contains theirs), so one pool serves every server: each server sees
 * each jti once. Signed with node:crypto directly, the same bytes jose makes,
 * only quicker, since the pool is built before the timed runs.
 */
export class AssertionPool {
  private constructor(
    readonly assertions: string[],
    readonly signedAt: number,
  ) {}

  /** Signs `size` assertions, yielding to the event loop now and then (servers are being polled meanwhile). */
  static async build(clientId: string, tokenUrls: string[], size: number, kid = 'bulk-exporter-es384-1' as const): Promise<AssertionPool> {
    const key = createPrivateKey({ key: CLIENT_PRIVATE_KEYS[kid] as JsonWebKey, format: 'jwk' });
    const header = b64({ alg: 'ES384', kid, typ: 'JWT' });
    const signedAt = Date.now();
    const now = Math.floor(signedAt / 1000);
    const assertions: string[] = [];
    for (let i = 0; i < size; i++) {
      const claims = b64({ iss: clientId, sub: clientId, aud: tokenUrls, exp: now + 295, iat: now, jti: randomUUID() });
      const input = `${header}.${claims}`;
      const signature = sign('sha384', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
      assertions.push(`${input}.${signature}`);
      if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
    }
    return new AssertionPool(assertions, signedAt);
  }

  /** A cursor over the pool for one server (the same assertions, in order). */
  cursor(): AssertionCursor {
    return new AssertionCursor(this);
  }

  assertFresh(): void {
    const age = (Date.now() - this.signedAt) / 1000;
    if (age > POOL_LIFETIME_SECONDS) throw new Error(`the assertion pool is ${Math.round(age)} s old: its assertions are about to expire`);
  }
}

export class AssertionCursor {
  private next = 0;
  constructor(private readonly pool: AssertionPool) {}

  take(): string {
    const assertion = this.pool.assertions[this.next++];
    if (!assertion) throw new Error('the assertion pool is exhausted');
    return assertion;
  }

  get remaining(): number {
    return this.pool.assertions.length - this.next;
  }
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
