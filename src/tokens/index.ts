export { KeyRing, KEY_ALGORITHMS, type SigningKey, type SigningKeys } from './keys.ts';
export { ensureSigningKeys, rotateKeys, rotationPolicy, type RotatedKey } from './rotation.ts';
export { signJwt, type Claims } from './jwt.ts';
export { signAccessToken, verifyAccessToken, type AccessTokenClaims } from './access-token.ts';
export { randomToken, sha256, safeEqual, hashPassword, verifyPassword, newId } from './secrets.ts';
