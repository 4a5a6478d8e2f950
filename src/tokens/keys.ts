import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Db } from '../db/index.ts';
import { listSigningKeys, type NewSigningKey, type StoredSigningKey } from '../store/signing-keys.ts';
import { nextActivation, signerAt, type KeyPurpose } from './key-schedule.ts';
import { newId } from './secrets.ts';

export type { KeyPurpose } from './key-schedule.ts';

/**
 * Access tokens: ES256, small and fast to sign and verify (the hot path).
 * id_tokens: RS256, which OpenID Connect requires every provider to support.
 */
export const KEY_ALGORITHMS = { access_token: 'ES256', id_token: 'RS256' } as const satisfies Record<KeyPurpose, string>;

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface SigningKeys {
  /** The key signing access tokens now. */
  readonly accessToken: SigningKey;
  /** The key signing id_tokens now. */
  readonly idToken: SigningKey;
  /** Every published key by kid (pending, signing, retiring), for verifying what we issued. */
  readonly byKid: ReadonlyMap<string, SigningKey>;
  /** The public JWKS served at /jwks: no private members. */
  readonly jwks: { keys: JWK[] };
}

/** A new key pair for `purpose`, as stored: JWKs carrying kid, alg and use. */
export async function generateSigningKey(purpose: KeyPurpose, activatesAt: Date): Promise<NewSigningKey> {
  const alg = KEY_ALGORITHMS[purpose];
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = newId();
  const base = { kid, alg, use: 'sig' };
  return {
    kid,
    purpose,
    alg,
    privateJwk: { ...(await exportJWK(privateKey)), ...base },
    publicJwk: { ...(await exportJWK(publicKey)), ...base },
    activatesAt,
  };
}

interface LoadedKey extends StoredSigningKey {
  key: SigningKey;
}

/**
 * The published signing keys of this process, imported once per load (never
 * per request). `reloadKeys()` is the one way they change: called on a short
 * interval (tokens/rotation.ts), after a rotation here, and by anything that
 * learns of a rotation elsewhere. Which key signs is decided by time from the
 * loaded rows (key-schedule.ts), so instances switch together without a reload.
 */
export class KeyRing implements SigningKeys {
  #loaded: LoadedKey[] = [];
  #byKid = new Map<string, SigningKey>();
  #jwks: { keys: JWK[] } = { keys: [] };
  #signers: Partial<Record<KeyPurpose, SigningKey>> = {};
  /** Until then (ms) the cached signers hold; a pending key's activation moves it. */
  #signersValidUntil = 0;

  private constructor(private readonly db: Db) {}

  /** Loads the keys in the database; `ensureSigningKeys` has made sure there is one signing per purpose. */
  static async open(db: Db): Promise<KeyRing> {
    const ring = new KeyRing(db);
    await ring.reloadKeys();
    return ring;
  }

  async reloadKeys(): Promise<void> {
    const now = new Date();
    const rows = await listSigningKeys(this.db, { publishedAt: now });
    // Key material never changes under a kid: import only keys not loaded before.
    const previous = new Map(this.#loaded.map((k) => [k.kid, k.key]));
    const loaded: LoadedKey[] = rows.map((row) => ({ ...row, key: previous.get(row.kid) ?? importKey(row) }));
    for (const purpose of Object.keys(KEY_ALGORITHMS) as KeyPurpose[]) {
      const signer = signerAt(loaded, purpose, now);
      if (!signer?.privateJwk) throw new Error(`no signing key for ${purpose} in the database`);
    }
    this.#loaded = loaded;
    this.#byKid = new Map(loaded.map((k) => [k.kid, k.key]));
    this.#jwks = { keys: loaded.map((k) => publicMembersOnly(k.publicJwk as JWK)) };
    this.#signersValidUntil = 0;
  }

  /** The loaded rows (timestamps only matter to callers): for the rotation schedule. */
  get scheduled(): readonly StoredSigningKey[] {
    return this.#loaded;
  }

  get accessToken(): SigningKey {
    return this.#signer('access_token');
  }

  get idToken(): SigningKey {
    return this.#signer('id_token');
  }

  get byKid(): ReadonlyMap<string, SigningKey> {
    return this.#byKid;
  }

  get jwks(): { keys: JWK[] } {
    return this.#jwks;
  }

  #signer(purpose: KeyPurpose): SigningKey {
    const nowMs = Date.now();
    if (nowMs >= this.#signersValidUntil) {
      const now = new Date(nowMs);
      for (const p of Object.keys(KEY_ALGORITHMS) as KeyPurpose[]) {
        const signer = signerAt(this.#loaded, p, now);
        if (signer) this.#signers[p] = signer.key;
      }
      this.#signersValidUntil = nextActivation(this.#loaded, now)?.getTime() ?? Number.POSITIVE_INFINITY;
    }
    return this.#signers[purpose]!;
  }
}

function importKey(row: StoredSigningKey): SigningKey {
  const publicKey = createPublicKey({ key: row.publicJwk as JsonWebKey, format: 'jwk' });
  // A published key always has its private half; a retired one (erased) is never loaded.
  const privateKey = row.privateJwk ? createPrivateKey({ key: row.privateJwk as JsonWebKey, format: 'jwk' }) : publicKey;
  return { kid: row.kid, alg: row.alg, privateKey, publicKey };
}

const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'use', 'crv', 'x', 'y', 'n', 'e'] as const;

/** Belt and braces: whatever is stored, only public members leave the service. */
function publicMembersOnly(jwk: JWK): JWK {
  const out: JWK = {};
  for (const name of PUBLIC_MEMBERS) if (jwk[name] !== undefined) (out as Record<string, unknown>)[name] = jwk[name];
  return out;
}
