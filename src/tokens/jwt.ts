import { SignJWT, type JWTPayload } from 'jose';
import type { SigningKey } from './keys.ts';

export type Claims = Record<string, unknown>;

/** Signs a JWT (the id_token) whose payload is exactly `claims` (iat/exp included by the caller). */
export async function signJwt(key: SigningKey, claims: Claims, typ: 'JWT'): Promise<string> {
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.privateKey);
}
