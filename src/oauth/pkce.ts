import { createHash } from 'node:crypto';
import { safeEqual } from '../tokens/secrets.ts';

/** RFC 7636 §4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~]. */
export const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** An S256 challenge is BASE64URL(SHA256(verifier)): always 43 characters. */
export const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** SMART App Launch 2.x: PKCE S256 is required; `plain` is never accepted. */
export function verifierMatchesChallenge(verifier: string, challenge: string): boolean {
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return safeEqual(computed, challenge);
}
