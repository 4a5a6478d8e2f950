import type { Client } from '../../store/clients.ts';
import { safeEqual, sha256 } from '../../tokens/secrets.ts';
import { invalidClient } from '../errors.ts';
import type { ClientLookup } from './lookup.ts';

export { BASIC_CHALLENGE } from '../errors.ts';

/**
 * Reads `Authorization: Basic`. RFC 6749 §2.3.1 says id and secret are
 * form-encoded before base64; SMART's fhirclient sends them raw. Both are
 * accepted: the decoded pair is tried first, then the raw one.
 */
export function parseBasicCredentials(header: string): Array<{ id: string; secret: string }> | undefined {
  const match = /^Basic ([A-Za-z0-9+/=_-]+)$/i.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const raw = { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  const candidates = [raw];
  try {
    const formDecoded = {
      id: decodeURIComponent(raw.id.replace(/\+/g, ' ')),
      secret: decodeURIComponent(raw.secret.replace(/\+/g, ' ')),
    };
    if (formDecoded.id !== raw.id || formDecoded.secret !== raw.secret) candidates.unshift(formDecoded);
  } catch {
    // Not valid percent-encoding: only the raw pair applies.
  }
  return candidates;
}

/**
 * The client whose secret is one of `candidates`' (the decoded and the raw
 * Basic pair, or the one client_secret_post pair), checked against the stored
 * SHA-256 in constant time. Every failure reads the same, so the answer never
 * says which client ids exist.
 */
export async function authenticateWithSecret(
  lookup: ClientLookup,
  candidates: ReadonlyArray<{ id: string; secret: string }>,
  challenge: string | undefined,
): Promise<Client> {
  for (const { id, secret } of candidates) {
    const client = await lookup.find(id);
    if (client?.type === 'confidential-symmetric' && client.secretHash && !client.disabled) {
      const presented = sha256(secret);
      if (safeEqual(presented, client.secretHash)) return client;
      // A rotated secret keeps working through its overlap window (admin API: rotate with overlap).
      if (client.previousSecretHash && client.previousSecretExpiresAt && client.previousSecretExpiresAt > new Date()
        && safeEqual(presented, client.previousSecretHash)) return client;
    }
  }
  throw invalidClient('client authentication failed', challenge);
}
