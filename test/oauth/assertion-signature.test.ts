import { describe, expect, it } from 'vitest';
import { verifyAssertionSignature } from '../../src/oauth/client-auth/assertion-signature.ts';
import { newClientKey, signCompact } from '../helpers/assertions.ts';

/** One character of the signature changed (not the last, whose low bits may be padding): the same length. */
function tampered(assertion: string): string {
  const at = assertion.length - 10;
  return assertion.slice(0, at) + (assertion[at] === 'A' ? 'B' : 'A') + assertion.slice(at + 1);
}

// A P-384 check goes to the threadpool when the process may send it there (AppDeps.verifyOffThread),
// and is made in place otherwise: both must give the same answers.
describe.each([true, false])('verifyAssertionSignature (mayGoOffThread: %s)', (mayGoOffThread) => {
  it.each(['ES384', 'RS384'] as const)('accepts a %s assertion signed by the key and refuses one whose signature was changed', async (alg) => {
    const { publicJwk, privateJwk } = await newClientKey(alg, 'k1');
    const assertion = await signCompact({ alg, kid: 'k1' }, { iss: 'app', sub: 'app', jti: 'j1' }, privateJwk);
    expect(await verifyAssertionSignature(assertion, publicJwk, alg, mayGoOffThread)).toEqual({ ok: true });
    expect(await verifyAssertionSignature(tampered(assertion), publicJwk, alg, mayGoOffThread)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('refuses an ES384 assertion signed by another key, and one whose signature has the wrong length', async () => {
    const signer = await newClientKey('ES384', 'k1');
    const other = await newClientKey('ES384', 'k1');
    const assertion = await signCompact({ alg: 'ES384', kid: 'k1' }, { iss: 'app', sub: 'app', jti: 'j2' }, signer.privateJwk);
    expect(await verifyAssertionSignature(assertion, other.publicJwk, 'ES384', mayGoOffThread)).toEqual({ ok: false, reason: 'bad signature' });
    expect(await verifyAssertionSignature(`${assertion}AAAA`, signer.publicJwk, 'ES384', mayGoOffThread)).toEqual({ ok: false, reason: 'bad signature' });
  });
});
