import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/**
 * The signature check of a client assertion, with node:crypto's verify (on
 * libuv's threadpool where that pays: see `offThread`). jose's jwtVerify goes through WebCrypto, which measured
 * about 17% more CPU per ES384 verification here (1,370 vs 1,180 µs) and twice
 * the main-thread time; the cryptography is OpenSSL's either way. The header,
 * the claims and the choice of key are checked by private-key-jwt.ts; this
 * module holds what each accepted algorithm means (RFC 7518 §3.3, §3.4).
 */
interface Algorithm {
  hash: string;
  kty: 'RSA' | 'EC';
  crv?: string;
  /** ES*: the signature is r || s, this many bytes (RFC 7518 §3.4). */
  signatureBytes?: number;
  /**
   * Worth the threadpool: only where the check costs more than the hop there
   * (~45 µs of CPU). Measured here: RSA-2048 20 µs, P-256 63 µs, P-384
   * 453 µs. In place, RS384 backend tokens took 325 µs of CPU each, not 357;
   * ES384 in place took 1,129 tokens/s, not 1,395 (the event loop waits), with
   * one process on two cores. With a worker per core no core is free for the
   * threadpool: two workers on two cores gave 0.98-1.23x one worker's ES384
   * tokens in place, 0.85-0.94x through the threadpool (BENCHMARKS.md).
   */
  offThread: boolean;
}

const ALGORITHMS: Record<string, Algorithm> = {
  RS256: { hash: 'sha256', kty: 'RSA', offThread: false },
  RS384: { hash: 'sha384', kty: 'RSA', offThread: false },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256', signatureBytes: 64, offThread: false },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384', signatureBytes: 96, offThread: true },
};

/** RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms." */
const MIN_RSA_BITS = 2048;

/** The registered keys that may have signed with `alg` under `kid`: right type and curve, and not limited to another use. */
export function keysFor(keys: readonly JWK[], kid: string, alg: string): JWK[] {
  const algorithm = ALGORITHMS[alg];
  if (!algorithm) return [];
  return keys.filter(
    (k) =>
      k.kid === kid &&
      k.kty === algorithm.kty &&
      (algorithm.crv === undefined || k.crv === algorithm.crv) &&
      (k.alg === undefined || k.alg === alg) &&
      (k.use === undefined || k.use === 'sig') &&
      (k.key_ops === undefined || k.key_ops.includes('verify')),
  );
}

/** Each registered key imported once, for as long as its key set is kept (client-keys.ts). */
const imported = new WeakMap<JWK, KeyObject | Error>();

function publicKeyOf(jwk: JWK): KeyObject | Error {
  let key = imported.get(jwk);
  if (!key) {
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)
        key = new Error(`the registered RSA key is shorter than ${MIN_RSA_BITS} bits`);
    } catch {
      key = new Error('the registered key is not a usable public key');
    }
    imported.set(jwk, key);
  }
  return key;
}

function verifyInPlace(hash: string, input: Buffer, options: { key: KeyObject; dsaEncoding: 'ieee-p1363' }, signature: Buffer): boolean {
  try {
    return verify(hash, input, options, signature);
  } catch {
    return false;
  }
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Verifies the compact JWS `assertion` (three parts, already split by the caller's checks) with `jwk`
 * under `alg`; a slow check on the threadpool when `mayGoOffThread` (AppDeps.verifyOffThread).
 */
export async function verifyAssertionSignature(assertion: string, jwk: JWK, alg: string, mayGoOffThread: boolean): Promise<SignatureCheck> {
  const algorithm = ALGORITHMS[alg];
  if (!algorithm) return { ok: false, reason: `${alg} is not supported` };
  const key = publicKeyOf(jwk);
  if (key instanceof Error) return { ok: false, reason: key.message };
  const lastDot = assertion.lastIndexOf('.');
  const signature = Buffer.from(assertion.slice(lastDot + 1), 'base64url');
  if (algorithm.signatureBytes !== undefined && signature.length !== algorithm.signatureBytes) return { ok: false, reason: 'bad signature' };
  const input = Buffer.from(assertion.slice(0, lastDot));
  const options = { key, dsaEncoding: 'ieee-p1363' as const };
  const valid = algorithm.offThread && mayGoOffThread
    ? await new Promise<boolean>((resolve) => verify(algorithm.hash, input, options, signature, (error, result) => resolve(!error && result)))
    : verifyInPlace(algorithm.hash, input, options, signature);
  return valid ? { ok: true } : { ok: false, reason: 'bad signature' };
}
