import { hash } from 'node:crypto';
import type { Db } from '../../db/index.ts';
import { cachesOf, type CacheSpec } from '../../cache/index.ts';
import type { Client } from '../../store/clients.ts';

/**
 * Basic credentials this process has checked, so that a resource server
 * introspecting many tokens is not re-authenticated (decode, SHA-256, client
 * row) on every call. Keyed by a hash of the whole Authorization header: the
 * secret itself is never kept, and any other header (a wrong or changed
 * secret) misses and takes the full check. An entry goes when its client's
 * row changes at any instance (NOTIFY, src/cache/: a disabled client, a new
 * secret, a changed role), is not used while the cache may not answer, and
 * lapses when the previous secret it may have matched stops being accepted.
 */
export interface VerifiedCredentials {
  clientId: string;
  roles: readonly string[];
  /** Epoch ms after which the entry is not used (the previous secret's end of overlap), or Infinity. */
  validUntil: number;
}

const CREDENTIALS: CacheSpec<VerifiedCredentials> = {
  max: 1_000,
  tables: ['clients'],
  concerns: ({ key }, { clientId }) => clientId === key,
};

const keyOf = (authorization: string) => hash('sha256', authorization, 'base64url');

/** The client these exact Basic credentials authenticated, when this process checked them and the cache may answer. */
export function cachedBasicClient(db: Db, authorization: string): VerifiedCredentials | undefined {
  const caches = cachesOf(db);
  if (!caches) return undefined;
  const cache = caches.cache('credentials', CREDENTIALS);
  if (!caches.usable(cache)) return undefined;
  const hit = cache.entries.get(keyOf(authorization));
  return hit && hit.validUntil > Date.now() ? hit : undefined;
}

/** The generation to pass to rememberBasicClient: taken before the client row is read. */
export const credentialsGeneration = (db: Db): number => cachesOf(db)?.snapshot() ?? 0;

/** Keeps a successful Basic authentication of `client` (unless a change to the clients arrived since `generation`). */
export function rememberBasicClient(db: Db, authorization: string, client: Client, generation: number): void {
  const caches = cachesOf(db);
  if (!caches) return;
  const previous = client.previousSecretExpiresAt?.getTime();
  const validUntil = previous !== undefined && previous > Date.now() ? previous : Infinity;
  caches.keep(caches.cache('credentials', CREDENTIALS), keyOf(authorization), { clientId: client.id, roles: client.roles, validUntil }, generation);
}
