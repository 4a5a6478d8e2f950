import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import type { SigningKey, SigningKeys } from './keys.ts';

export type Claims = Record<string, unknown>;

/** Signs a JWT whose payload is exactly `claims` (iat/exp included by the caller). */
export async function signJwt(key: SigningKey, claims: Claims, typ: 'at+jwt' | 'JWT'): Promise<string> {
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.privateKey);
}

/**
 * Verifies an access token we issued: our kid, our issuer, not expired.
 * Returns undefined for anything else (foreign, tampered, expired, malformed).
 */
export async function verifyAccessToken(keys: SigningKeys, issuer: string, token: string): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = header.kid ? keys.byKid.get(header.kid) : undefined;
        if (!key || key.alg !== header.alg) throw new Error('unknown key');
        return key.publicKey;
      },
      { issuer, algorithms: [keys.accessToken.alg], typ: 'at+jwt' },
    );
    return payload;
  } catch {
    return undefined;
  }
}
