import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { allFixtureResources } from '../../fhir-fixtures/index.ts';
import { createFhirEngine } from '../../src/fhir/engine.ts';
import type { AssertionPool } from './assertions.ts';
import { CLIENT_PRIVATE_KEYS, type BenchKid } from './fixtures.ts';

/**
 * The crypto ceiling of each scenario, measured in the bench process on one
 * core in the same run: the signatures one request cannot avoid, back to back
 * with node:crypto (OpenSSL), nothing else. A server at ratio 1.0 per core
 * would spend all its time in OpenSSL. Per scenario:
 * - client_credentials: verify the client's assertion (ES384 or RS384) + sign an ES256 access token;
 * - introspection: verify an ES256 access token;
 * - authorization_code / refresh_token: sign an ES256 access token + an RS256 id_token;
 * - a FHIR read: the embedded engine answering `GET Patient/p001` in process (the gateway's ceiling).
 */
export interface Ceilings {
  clientCredentialsEs384: number;
  clientCredentialsRs384: number;
  introspection: number;
  codeOrRefresh: number;
  /** Not crypto: the embedded FHIR engine's own reads of one Patient per second, in process, without the gateway. */
  fhirEngineRead: number;
}

const es256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rs256 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const P1363 = 'ieee-p1363' as const;
const sample = Buffer.from('x'.repeat(600));

const signEs256 = () => sign('sha256', sample, { key: es256.privateKey, dsaEncoding: P1363 });
const signRs256 = () => sign('sha256', sample, rs256.privateKey);

function publicKeyOf(kid: BenchKid): KeyObject {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = CLIENT_PRIVATE_KEYS[kid] as Record<string, unknown>;
  return createPublicKey({ key: publicJwk, format: 'jwk' });
}

function assertionVerifier(pool: AssertionPool): () => boolean {
  const assertion = pool.signOne();
  const dot = assertion.lastIndexOf('.');
  const input = Buffer.from(assertion.slice(0, dot));
  const signature = Buffer.from(assertion.slice(dot + 1), 'base64url');
  const key = publicKeyOf(pool.kid);
  const options = pool.alg.startsWith('ES') ? { key, dsaEncoding: P1363 } : key;
  return () => {
    if (!verify('sha384', input, options, signature)) throw new Error('ceiling: assertion did not verify');
    return true;
  };
}

/** Operations per second of `op` on this thread, over about `ms`. */
function rate(op: () => unknown, ms: number): number {
  for (let i = 0; i < 50; i++) op();
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (let i = 0; i < 20; i++) op();
    n += 20;
  }
  return n / ((performance.now() - started) / 1000);
}

async function engineReads(ms: number): Promise<number> {
  const engine = createFhirEngine(allFixtureResources);
  const read = () => engine.handle({ method: 'GET', path: 'Patient/p001' });
  if ((await read()).status !== 200) throw new Error('ceiling: the engine does not read Patient/p001');
  for (let i = 0; i < 200; i++) await read();
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    await read();
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

export async function measureCeilings(es384: AssertionPool, rs384: AssertionPool, ms = 700): Promise<Ceilings> {
  const verifyEs384 = assertionVerifier(es384);
  const verifyRs384 = assertionVerifier(rs384);
  const token = signEs256();
  const verifyEs256 = () => verify('sha256', sample, { key: es256.publicKey, dsaEncoding: P1363 }, token);
  return {
    clientCredentialsEs384: rate(() => (verifyEs384(), signEs256()), ms),
    clientCredentialsRs384: rate(() => (verifyRs384(), signEs256()), ms),
    introspection: rate(verifyEs256, ms),
    codeOrRefresh: rate(() => (signEs256(), signRs256()), ms),
    fhirEngineRead: await engineReads(ms),
  };
}
