import { describe, expect, it } from 'vitest';
import { randomToken, safeEqual, sha256 } from '../../src/tokens/secrets.ts';

describe('random tokens', () => {
  it('are 256 bits, base64url, and never repeat, across refills of the random pool', () => {
    const tokens = Array.from({ length: 1000 }, randomToken);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    // No byte position is stuck (a pool handed out zeroed or unfilled would show as all-zero tokens).
    expect(tokens.filter((t) => Buffer.from(t, 'base64url').every((b) => b === 0))).toEqual([]);
  });

  it('compare in constant time by value, and hash to SHA-256 base64url', () => {
    const token = randomToken();
    expect(safeEqual(token, `${token}`)).toBe(true);
    expect(safeEqual(token, randomToken())).toBe(false);
    expect(sha256('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});
