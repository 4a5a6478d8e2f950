import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, exportJWK, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signAccessToken, verifyAccessToken } from '../../src/tokens/access-token.ts';
import type { SigningKey, SigningKeys } from '../../src/tokens/keys.ts';

function key(kid: string, alg: 'ES256' | 'RS256'): SigningKey {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

const access = key('access-1', 'ES256');
const id = key('id-1', 'RS256');
const keys: SigningKeys = {
  accessToken: access,
  idToken: id,
  byKid: new Map([[access.kid, access], [id.kid, id]]),
  jwks: { keys: [] },
};
const ISSUER = 'https://auth.example.org';
const now = Math.floor(Date.now() / 1000);
const claims = { iss: ISSUER, sub: 'u1', aud: 'https://fhir.example.org', exp: now + 60, iat: now, jti: 'g.1', patient: 'p1' };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens (ES256 compact JWS on node:crypto)', () => {
  it('verifies what it signed, and the payload is exactly the claims', () => {
    const token = signAccessToken(access, claims);
    expect(verifyAccessToken(keys, ISSUER, token)).toEqual(claims);
  });

  it('interoperates with jose both ways: resource servers can verify with any JOSE library', async () => {
    const token = signAccessToken(access, claims);
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(access.publicKey)), kid: access.kid, alg: 'ES256' }] });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: ISSUER, typ: 'at+jwt' });
    expect(payload).toEqual(claims);
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: access.kid, typ: 'at+jwt' });

    const byJose = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: access.kid, typ: 'at+jwt' }).sign(access.privateKey);
    expect(verifyAccessToken(keys, ISSUER, byJose)).toEqual(claims);
  });

  it('refuses tampered, foreign, expired, not-yet-valid and other-issuer tokens', () => {
    const [header, payload, signature] = signAccessToken(access, claims).split('.');
    expect(verifyAccessToken(keys, ISSUER, `${header}.${b64({ ...claims, patient: 'p2' })}.${signature}`)).toBeUndefined();
    expect(verifyAccessToken(keys, ISSUER, signAccessToken(key(access.kid, 'ES256'), claims))).toBeUndefined();
    expect(verifyAccessToken(keys, ISSUER, signAccessToken(access, { ...claims, exp: now - 1 }))).toBeUndefined();
    expect(verifyAccessToken(keys, ISSUER, signAccessToken(access, { ...claims, nbf: now + 60 }))).toBeUndefined();
    expect(verifyAccessToken(keys, ISSUER, signAccessToken(access, { ...claims, exp: String(now + 60) }))).toBeUndefined();
    expect(verifyAccessToken(keys, 'https://other.example.org', signAccessToken(access, claims))).toBeUndefined();
    expect(verifyAccessToken(keys, ISSUER, `${header}.${payload}`)).toBeUndefined();
    expect(verifyAccessToken(keys, ISSUER, `${header}.${payload}.${signature}.x`)).toBeUndefined();
  });

  it('refuses alg none, an algorithm other than the key\'s, the id_token key, a wrong typ and junk', async () => {
    const payload = b64(claims);
    expect(verifyAccessToken(keys, ISSUER, `${b64({ alg: 'none', kid: access.kid, typ: 'at+jwt' })}.${payload}.`)).toBeUndefined();
    const hs = signAccessToken(access, claims).split('.')[2];
    expect(verifyAccessToken(keys, ISSUER, `${b64({ alg: 'HS256', kid: access.kid, typ: 'at+jwt' })}.${payload}.${hs}`)).toBeUndefined();
    const rsa = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: id.kid, typ: 'at+jwt' }).sign(id.privateKey);
    expect(verifyAccessToken(keys, ISSUER, rsa)).toBeUndefined();
    const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: access.kid, typ: 'JWT' }).sign(access.privateKey);
    expect(verifyAccessToken(keys, ISSUER, idToken)).toBeUndefined();
    for (const junk of ['', '...', 'a.b.c', '%%.%%.%%', 'e30.e30.e30', 'bnVsbA.bnVsbA.AAAA'])
      expect(verifyAccessToken(keys, ISSUER, junk)).toBeUndefined();
  });
});
