import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import type { Client } from '../../store/clients.ts';

/**
 * The public keys of confidential-asymmetric clients (SMART
 * client-confidential-asymmetric: "a JWKS URL or an inline JWKS; obey
 * Cache-Control"). A process-memory cache of public keys: no flow state, so
 * any instance may serve any request. Each JWKS version becomes one jose key
 * set, which imports each key once and reuses it.
 */
export const CLIENT_KEY_POLICY = {
  /** A jwks_uri must answer within this. */
  fetchTimeoutMs: 3000,
  /** ...with a body no larger than this. */
  maxBytes: 64 * 1024,
  /** Cache-Control max-age is honoured within these bounds; without one, the default applies. */
  minMaxAgeSeconds: 60,
  maxMaxAgeSeconds: 86_400,
  defaultMaxAgeSeconds: 300,
  /** A jwks_uri is never fetched twice within this, whatever the requests say (unknown kids, failures). */
  refetchIntervalMs: 10_000,
} as const;

/** The client's keys and where they came from (assertion-signature.ts imports each key once per set). */
export interface ClientKeySet {
  jwks: JSONWebKeySet;
  source: 'jwks' | 'jwks_uri';
}

/** The client's jwks_uri could not be read (network, status, size, or not a public JWKS). */
export class JwksUnavailableError extends Error {
  override name = 'JwksUnavailableError';
}

const publicJwks = z.object({
  keys: z.array(
    z.looseObject({ kty: z.string() }).refine((k) => !('d' in k) && !('k' in k), 'a JWKS must hold public keys only'),
  ),
});

interface RemoteEntry {
  set: ClientKeySet | undefined;
  expiresAt: number;
  lastFetchAt: number;
  lastError: JwksUnavailableError | undefined;
  inFlight: Promise<ClientKeySet> | undefined;
}

/**
 * Inline JWKS by client id, with the registered value they were built from
 * (the same object while the client row is cached) and its serialisation (a
 * changed registration is a new version).
 */
const inlineSets = new Map<string, { registered: unknown; version: string; set: ClientKeySet }>();
/** Fetched JWKS by URI. */
const remoteSets = new Map<string, RemoteEntry>();

function keySet(jwks: JSONWebKeySet, source: ClientKeySet['source']): ClientKeySet {
  return { jwks, source };
}

/**
 * The client's current keys: its registered JWKS, or its jwks_uri's (from the
 * cache while fresh). Throws JwksUnavailableError when a jwks_uri cannot be read.
 */
export async function clientKeySet(client: Client): Promise<ClientKeySet> {
  if (client.jwksUri) {
    const entry = remoteEntry(client.jwksUri);
    if (entry.set && Date.now() < entry.expiresAt) return entry.set;
    return refetch(client.jwksUri, entry);
  }
  if (client.jwks) {
    const cached = inlineSets.get(client.id);
    if (cached?.registered === client.jwks) return cached.set;
    const version = JSON.stringify(client.jwks);
    if (cached?.version === version) return cached.set;
    const parsed = publicJwks.safeParse(client.jwks);
    if (!parsed.success) throw new JwksUnavailableError('the registered JWKS is not a JWKS of public keys');
    const set = keySet(parsed.data as JSONWebKeySet, 'jwks');
    inlineSets.set(client.id, { registered: client.jwks, version, set });
    return set;
  }
  return keySet({ keys: [] }, 'jwks');
}

/**
 * After an assertion named a kid the cached keys lack: fetches the jwks_uri
 * again (keys rotated at the source), unless it was fetched within
 * refetchIntervalMs. Returns undefined when there is nothing newer to try.
 */
export async function refreshAfterUnknownKid(client: Client): Promise<ClientKeySet | undefined> {
  if (!client.jwksUri) return undefined;
  const entry = remoteEntry(client.jwksUri);
  if (entry.inFlight) return entry.inFlight;
  if (Date.now() - entry.lastFetchAt < CLIENT_KEY_POLICY.refetchIntervalMs) return undefined;
  return refetch(client.jwksUri, entry);
}

function remoteEntry(uri: string): RemoteEntry {
  let entry = remoteSets.get(uri);
  if (!entry) {
    entry = { set: undefined, expiresAt: 0, lastFetchAt: -Infinity, lastError: undefined, inFlight: undefined };
    remoteSets.set(uri, entry);
  }
  return entry;
}

/** One fetch per URI at a time; a failure is remembered for refetchIntervalMs so a dead host is not hammered. */
function refetch(uri: string, entry: RemoteEntry): Promise<ClientKeySet> {
  if (entry.inFlight) return entry.inFlight;
  if (entry.lastError && Date.now() - entry.lastFetchAt < CLIENT_KEY_POLICY.refetchIntervalMs)
    return Promise.reject(entry.lastError);
  entry.lastFetchAt = Date.now();
  entry.inFlight = fetchJwks(uri)
    .then(({ jwks, maxAgeSeconds }) => {
      entry.set = keySet(jwks, 'jwks_uri');
      entry.expiresAt = Date.now() + maxAgeSeconds * 1000;
      entry.lastError = undefined;
      return entry.set;
    })
    .catch((error: unknown) => {
      // Fail closed: keys past their max-age that cannot be confirmed at the source are not used.
      if (Date.now() >= entry.expiresAt) entry.set = undefined;
      entry.lastError =
        error instanceof JwksUnavailableError ? error : new JwksUnavailableError(`fetch failed: ${describe(error)}`);
      throw entry.lastError;
    })
    .finally(() => {
      entry.inFlight = undefined;
    });
  return entry.inFlight;
}

async function fetchJwks(uri: string): Promise<{ jwks: JSONWebKeySet; maxAgeSeconds: number }> {
  const res = await fetch(uri, {
    signal: AbortSignal.timeout(CLIENT_KEY_POLICY.fetchTimeoutMs),
    redirect: 'error',
    headers: { accept: 'application/jwk-set+json, application/json' },
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new JwksUnavailableError(`HTTP ${res.status}`);
  }
  const text = await readLimited(res, CLIENT_KEY_POLICY.maxBytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new JwksUnavailableError('the body is not JSON');
  }
  const parsed = publicJwks.safeParse(json);
  if (!parsed.success) throw new JwksUnavailableError('the body is not a JWKS of public keys');
  return { jwks: parsed.data as JSONWebKeySet, maxAgeSeconds: maxAge(res.headers.get('cache-control')) };
}

async function readLimited(res: Response, limit: number): Promise<string> {
  if (Number(res.headers.get('content-length') ?? 0) > limit) {
    await res.body?.cancel();
    throw new JwksUnavailableError(`the JWKS is larger than ${limit} bytes`);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > limit) throw new JwksUnavailableError(`the JWKS is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Cache-Control max-age, bounded; no-store/no-cache mean "as short as allowed". */
export function maxAge(cacheControl: string | null): number {
  const { minMaxAgeSeconds: min, maxMaxAgeSeconds: max, defaultMaxAgeSeconds } = CLIENT_KEY_POLICY;
  if (!cacheControl) return defaultMaxAgeSeconds;
  if (/(^|[\s,])(no-store|no-cache)([\s,=]|$)/i.test(cacheControl)) return min;
  const match = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl);
  if (!match) return defaultMaxAgeSeconds;
  return Math.min(max, Math.max(min, Number(match[1])));
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : error.message;
  return String(error);
}
