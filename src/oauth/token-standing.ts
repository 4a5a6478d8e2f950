import type { JWTPayload } from 'jose';
import type { AppDeps } from '../deps.ts';
import { cachesOf, type CacheSpec } from '../cache/index.ts';
import { findClient, toClient, type Client } from '../store/clients.ts';
import { accessTokenStanding, grantIdOfJti, type AccessTokenStanding } from '../store/revocations.ts';
import { verifyAccessToken } from '../tokens/access-token.ts';

/** A verified access token we issued and what the database says about it. */
export interface VerifiedAccessToken {
  claims: JWTPayload & { jti: string; client_id: string; sub: string; exp: number };
  standing: AccessTokenStanding;
}

/** An access token we issued that is still good: signature, expiry, revocation, client, user. */
export type ActiveAccessToken = VerifiedAccessToken;

export const isActive = (standing: AccessTokenStanding) => !standing.revoked && standing.clientEnabled && !standing.userDisabled;

/**
 * Verified tokens by their text, with their standing: what makes introspection
 * (and the FHIR API's token check) answer without a signature check or a
 * round trip. An entry goes when its jti or grant is revoked, or its client
 * or user changes (NOTIFY, src/cache/), and is not used past its `exp`.
 */
const TOKENS: CacheSpec<VerifiedAccessToken> = {
  max: 20_000,
  tables: ['revocations', 'grants', 'clients', 'users'],
  concerns: ({ table, key }, { claims }) =>
    table === 'revocations' ? claims.jti === key : table === 'grants' ? grantIdOfJti(claims.jti) === key : table === 'clients' ? claims.client_id === key : claims.sub === key,
};

function verifiedClaims(deps: AppDeps, token: string): VerifiedAccessToken['claims'] | undefined {
  const claims = verifyAccessToken(deps.keys, deps.config.issuer, token);
  if (!claims || typeof claims.jti !== 'string' || typeof claims.client_id !== 'string' || typeof claims.sub !== 'string') return undefined;
  return claims as VerifiedAccessToken['claims'];
}

/**
 * The token as this process verified it, with its standing, when the cache
 * may answer (its feed live, no local write pending) and the token has not
 * expired; otherwise undefined, and the caller asks the database.
 */
export function cachedAccessToken(deps: AppDeps, token: string): VerifiedAccessToken | undefined {
  const caches = cachesOf(deps.db);
  if (!caches) return undefined;
  const cache = caches.cache('tokens', TOKENS);
  if (!caches.usable(cache)) return undefined;
  const hit = cache.entries.get(token);
  return hit && hit.claims.exp > Date.now() / 1000 ? hit : undefined;
}

/**
 * The token's claims and standing, and the rows of `callers` (the clients a
 * resource server's Basic credentials may name): from the process cache
 * while it may answer, else one signature verification and ONE query
 * (store/revocations.ts accessTokenStanding, which also reads the callers).
 * Undefined for a token that is not ours, tampered, malformed or expired.
 */
export async function verifiedAccessToken(
  deps: AppDeps,
  token: string,
  callers: readonly string[] = [],
): Promise<{ token: VerifiedAccessToken; callers: Client[] } | undefined> {
  const hit = cachedAccessToken(deps, token);
  if (hit) {
    const rows = await Promise.all(callers.map((id) => findClient(deps.db, id)));
    return { token: hit, callers: rows.filter((c) => c !== undefined) };
  }
  const claims = verifiedClaims(deps, token);
  if (!claims) return undefined;
  const caches = cachesOf(deps.db);
  const generation = caches?.snapshot() ?? 0;
  const standing = await accessTokenStanding(deps.db, { jti: claims.jti, clientId: claims.client_id, subject: claims.sub }, { alsoClients: callers });
  const { clients, ...own } = standing;
  const verified = { claims, standing: own };
  if (caches) caches.keep(caches.cache('tokens', TOKENS), token, verified, generation);
  return { token: verified, callers: clients.map(toClient) };
}

/** Undefined for expired, revoked, malformed, tampered, foreign tokens, or a disabled client or user. */
export async function activeAccessToken(deps: AppDeps, token: string): Promise<ActiveAccessToken | undefined> {
  const verified = await verifiedAccessToken(deps, token);
  return verified && isActive(verified.token.standing) ? verified.token : undefined;
}
