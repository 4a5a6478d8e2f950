import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { newId } from './secrets.ts';
import { toJson } from '../store/json.ts';

/**
 * Access tokens: ES256, small and fast to sign and verify (the hot path).
 * id_tokens: RS256, which OpenID Connect requires every provider to support.
 */
export const KEY_ALGORITHMS = { access_token: 'ES256', id_token: 'RS256' } as const;
export type KeyPurpose = keyof typeof KEY_ALGORITHMS;

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface SigningKeys {
  accessToken: SigningKey;
  idToken: SigningKey;
  /** Public keys by kid, for verifying what we issued (retired keys included). */
  byKid: Map<string, SigningKey>;
  /** The public JWKS served at /jwks: no private members. */
  jwks: { keys: JWK[] };
}

// Any constant: the lock only orders instances generating keys on first start.
const KEYGEN_LOCK = 72_150_021;

/**
 * Loads the signing keys, generating them on first start. Runs under an advisory
 * lock so instances starting together on one database end up with the same keys;
 * keys are imported once here, never per request.
 */
export async function loadSigningKeys(db: Db): Promise<SigningKeys> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${KEYGEN_LOCK})`.execute(trx);
    for (const purpose of Object.keys(KEY_ALGORITHMS) as KeyPurpose[]) {
      const active = await trx
        .selectFrom('signing_keys')
        .select('kid')
        .where('purpose', '=', purpose)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      if (active) continue;
      const alg = KEY_ALGORITHMS[purpose];
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const kid = newId();
      const base = { kid, alg, use: 'sig' };
      await trx
        .insertInto('signing_keys')
        .values({
          kid,
          purpose,
          alg,
          private_jwk: toJson({ ...(await exportJWK(privateKey)), ...base }),
          public_jwk: toJson({ ...(await exportJWK(publicKey)), ...base }),
        })
        .execute();
    }
  });

  const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute();
  const byKid = new Map<string, SigningKey>();
  const active: Partial<Record<KeyPurpose, SigningKey>> = {};
  const jwks: JWK[] = [];
  for (const row of rows) {
    const privateKey = createPrivateKey({ key: row.private_jwk as JsonWebKey, format: 'jwk' });
    const key: SigningKey = { kid: row.kid, alg: row.alg, privateKey, publicKey: createPublicKey(privateKey) };
    byKid.set(row.kid, key);
    if (!row.retired_at) active[row.purpose] = key;
    jwks.push(publicMembersOnly(row.public_jwk as JWK));
  }
  if (!active.access_token || !active.id_token) throw new Error('signing keys missing after generation');
  return { accessToken: active.access_token, idToken: active.id_token, byKid, jwks: { keys: jwks } };
}

const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'use', 'crv', 'x', 'y', 'n', 'e'] as const;

/** Belt and braces: whatever is stored, only public members leave the service. */
function publicMembersOnly(jwk: JWK): JWK {
  const out: JWK = {};
  for (const name of PUBLIC_MEMBERS) if (jwk[name] !== undefined) (out as Record<string, unknown>)[name] = jwk[name];
  return out;
}
