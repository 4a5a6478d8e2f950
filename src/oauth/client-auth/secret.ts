import type { Db } from '../../db/index.ts';
import { findClient, type Client } from '../../store/clients.ts';
import { safeEqual, sha256 } from '../../tokens/secrets.ts';
import { invalidClient } from '../errors.ts';

export const BASIC_CHALLENGE = 'Basic realm="smart-launch", charset="UTF-8"';

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
 * Checks a client secret against the stored SHA-256 (constant-time). Every
 * failure reads the same, so the answer never says which client ids exist.
 */
export async function authenticateWithSecret(
  db: Db,
  candidates: Array<{ id: string; secret: string }>,
  challenge: string | undefined,
): Promise<Client> {
  const clients = [];
  for (const { id } of candidates) clients.push(await findClient(db, id));
  return secretHolder(candidates, clients, challenge);
}

/**
 * The pure half of authenticateWithSecret, for callers that fetched the
 * candidate clients themselves (introspection reads them in its one query).
 */
export function secretHolder(
  candidates: ReadonlyArray<{ id: string; secret: string }>,
  clients: ReadonlyArray<Client | undefined>,
  challenge: string | undefined,
): Client {
  for (const { id, secret } of candidates) {
    const client = clients.find((c) => c?.id === id);
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
