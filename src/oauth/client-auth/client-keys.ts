import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { namesNonPublicHost, publicOnlyLookup } from '../../http/public-address.ts';
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
/** Fetched JWKS by URI (and whether it may reach public addresses only). */
const remoteSets = new Map<string, RemoteEntry>();

/**
 * Where a client's jwks_uri may be fetched from. Anyone may register a client
 * when registration is open, and the server fetches the client's jwks_uri
 * itself: a registered client's is fetched over https from public addresses
 * only (no loopback, private network or cloud metadata address: server-side
 * request forgery). A client the operator declared (config, admin API, CLI)
 * may use any address, an internal key server included.
 */
interface RemoteSource {
  uri: string;
  publicOnly: boolean;
}

const remoteSource = (uri: string, client: Client): RemoteSource => ({ uri, publicOnly: client.source === 'registration' });

function keySet(jwks: JSONWebKeySet, source: ClientKeySet['source']): ClientKeySet {
  return { jwks, source };
}

/**
 * The client's current keys: its registered JWKS, or its jwks_uri's (from the
 * cache while fresh). Throws JwksUnavailableError when a jwks_uri cannot be read.
 */
export async function clientKeySet(client: Client): Promise<ClientKeySet> {
  if (client.jwksUri) {
    const source = remoteSource(client.jwksUri, client);
    const entry = remoteEntry(source);
    if (entry.set && Date.now() < entry.expiresAt) return entry.set;
    return refetch(source, entry);
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
  const source = remoteSource(client.jwksUri, client);
  const entry = remoteEntry(source);
  if (entry.inFlight) return entry.inFlight;
  if (Date.now() - entry.lastFetchAt < CLIENT_KEY_POLICY.refetchIntervalMs) return undefined;
  return refetch(source, entry);
}

function remoteEntry(source: RemoteSource): RemoteEntry {
  const key = `${source.publicOnly ? 'public ' : ''}${source.uri}`;
  let entry = remoteSets.get(key);
  if (!entry) {
    entry = { set: undefined, expiresAt: 0, lastFetchAt: -Infinity, lastError: undefined, inFlight: undefined };
    remoteSets.set(key, entry);
  }
  return entry;
}

/** One fetch per URI at a time; a failure is remembered for refetchIntervalMs so a dead host is not hammered. */
function refetch(source: RemoteSource, entry: RemoteEntry): Promise<ClientKeySet> {
  if (entry.inFlight) return entry.inFlight;
  if (entry.lastError && Date.now() - entry.lastFetchAt < CLIENT_KEY_POLICY.refetchIntervalMs)
    return Promise.reject(entry.lastError);
  entry.lastFetchAt = Date.now();
  entry.inFlight = fetchJwks(source)
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

async function fetchJwks(source: RemoteSource): Promise<{ jwks: JSONWebKeySet; maxAgeSeconds: number }> {
  // One deadline for the connection, the answer and its body.
  const signal = AbortSignal.timeout(CLIENT_KEY_POLICY.fetchTimeoutMs);
  const res = await get(source, signal);
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) {
    // Redirects are not followed: the registered URI is the one trusted.
    res.destroy();
    throw new JwksUnavailableError(`HTTP ${status}`);
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
  return { jwks: parsed.data as JSONWebKeySet, maxAgeSeconds: maxAge(headerValue(res.headers['cache-control'])) };
}

/** GET the URI with node:http(s), so a public-only fetch can check the very address it connects to. */
function get({ uri, publicOnly }: RemoteSource, signal: AbortSignal): Promise<IncomingMessage> {
  const url = new URL(uri);
  if (publicOnly && (url.protocol !== 'https:' || namesNonPublicHost(url.hostname)))
    return Promise.reject(new JwksUnavailableError('a registered client\'s jwks_uri must be https on a public host'));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // Public-only: a connection of its own (agent: false), never a pooled keep-alive socket that
    // another fetch opened to the same host without the address check.
    const guard = publicOnly ? { lookup: publicOnlyLookup, agent: false as const } : {};
    const req = request(url, { headers: { accept: 'application/jwk-set+json, application/json' }, signal, ...guard }, resolve);
    req.on('error', reject);
    req.end();
  });
}

const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : (value ?? null));

async function readLimited(res: IncomingMessage, limit: number): Promise<string> {
  if (Number(res.headers['content-length'] ?? 0) > limit) {
    res.destroy();
    throw new JwksUnavailableError(`the JWKS is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) {
      res.destroy();
      throw new JwksUnavailableError(`the JWKS is larger than ${limit} bytes`);
    }
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
  if (error instanceof Error) return error.name === 'TimeoutError' || error.name === 'AbortError' ? 'timed out' : error.message;
  return String(error);
}
