export { loadSigningKeys, KEY_ALGORITHMS, type SigningKey, type SigningKeys } from './keys.ts';
export { signJwt, verifyAccessToken, type Claims } from './jwt.ts';
export { randomToken, sha256, safeEqual, hashPassword, verifyPassword, newId } from './secrets.ts';
