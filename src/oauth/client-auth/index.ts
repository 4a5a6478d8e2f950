import type { Request } from 'express';
import type { AppDeps } from '../../deps.ts';
import type { Client } from '../../store/clients.ts';
import { assertionSubject, claimedClientId, throttleClientAuth } from '../../throttle/client-auth.ts';
import { BASIC_CHALLENGE, invalidClient, invalidRequest } from '../errors.ts';
import { recordedWithGrant, spendAtAuthentication } from './assertion-replay.ts';
import { storeLookup, type ClientLookup } from './lookup.ts';
import { assertionAudiences, authenticateWithAssertion, type VerifiedAssertion } from './private-key-jwt.ts';
import { authenticateWithSecret, parseBasicCredentials } from './secret.ts';

export { prereadLookup, storeLookup, type ClientLookup } from './lookup.ts';

export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** Advertised in discovery; each is implemented below. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
/** Signing algorithms accepted on client assertions: SMART requires RS384 and ES384; RS256 and ES256 are also common. */
export const ASSERTION_ALGORITHMS: readonly string[] = ['RS384', 'ES384', 'RS256', 'ES256'];

export interface AuthenticatedClient {
  client: Client;
  method: ClientAuthMethod;
  /** private_key_jwt: the verified assertion. Whether its jti is recorded yet, assertion-replay.ts says. */
  assertion?: VerifiedAssertion;
}

export interface ClientAuthOptions {
  /** The OAuth parameters, when they are not the request body (the launches API's JSON body is the launch itself). */
  body?: Record<string, unknown>;
  /** Where the named clients' rows are read: the store by default; introspection passes the rows its one query read. */
  lookup?: ClientLookup;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * What client authentication reads of a request: express's Request, or what
 * the token route answered without express hands it (src/http/hot-routes.ts).
 */
export type ClientRequest = Pick<Request, 'headers' | 'ip' | 'id' | 'baseUrl' | 'path' | 'body'>;

const bodyOf = (req: ClientRequest) => (req.body ?? {}) as Record<string, unknown>;

/**
 * Authenticates the client of a request to /token, /introspect, /revoke or
 * /launches, under the client throttle. Returns undefined when the request
 * carries no client identification at all (a public client refreshing may
 * send none). RFC 6749 §2.3: a client MUST NOT use more than one method.
 *
 * @example
 *   const authenticated = await authenticateClient(req, deps, { lookup: prereadLookup(deps.db, ids, rows) });
 */
export async function authenticateClient(
  req: ClientRequest,
  deps: AppDeps,
  { body = bodyOf(req), lookup = storeLookup(deps.db) }: ClientAuthOptions = {},
): Promise<AuthenticatedClient | undefined> {
  const header = req.headers.authorization;
  const usesBasic = typeof header === 'string' && /^basic /i.test(header);
  const usesPost = body.client_secret !== undefined;
  const usesAssertion = body.client_assertion !== undefined || body.client_assertion_type !== undefined;
  if (Number(usesBasic) + Number(usesPost) + Number(usesAssertion) > 1)
    throw invalidRequest('use exactly one client authentication method');

  const bodyClientId = body.client_id;
  if (bodyClientId !== undefined && typeof bodyClientId !== 'string') throw invalidRequest('client_id: must be sent once');
  const candidates = usesBasic ? parseBasicCredentials(header!) : undefined;
  const claimed = claimedClientId(candidates?.map((c) => c.id), body);
  return throttleClientAuth(req, deps, claimed, lookup.preread ? 'after-failure' : 'before', async (): Promise<AuthenticatedClient | undefined> => {
    if (usesBasic) {
      if (!candidates) throw invalidClient('malformed Basic credentials', BASIC_CHALLENGE);
      if (bodyClientId !== undefined && !candidates.some((c) => c.id === bodyClientId))
        throw invalidClient('client_id does not match the authenticated client', BASIC_CHALLENGE);
      return { client: await authenticateWithSecret(lookup, candidates, BASIC_CHALLENGE), method: 'client_secret_basic' };
    }
    if (usesPost) {
      if (typeof bodyClientId !== 'string' || typeof body.client_secret !== 'string')
        throw invalidClient('client_secret_post needs client_id and client_secret, once each');
      const client = await authenticateWithSecret(lookup, [{ id: bodyClientId, secret: body.client_secret }], undefined);
      return { client, method: 'client_secret_post' };
    }
    if (usesAssertion) {
      if (body.client_assertion_type !== ASSERTION_TYPE) throw invalidClient('unsupported client_assertion_type');
      // The endpoint this request reached (/token, /introspect, /revoke, /launches/{id} -> /launches).
      const endpoint = `/${(req.baseUrl + req.path).split('/')[1] ?? ''}`;
      const audiences = assertionAudiences(deps.config.issuer, endpoint);
      const { client, assertion } = await authenticateWithAssertion(deps, body.client_assertion, bodyClientId, ASSERTION_ALGORITHMS, { lookup, audiences });
      if (!recordedWithGrant(endpoint, body)) await spendAtAuthentication(deps.db, client, assertion);
      return { client, method: 'private_key_jwt', assertion };
    }
    if (bodyClientId === undefined) return undefined;
    const client = await lookup.find(bodyClientId);
    if (!client || client.disabled) throw invalidClient('unknown or disabled client');
    if (client.type !== 'public') throw invalidClient('this client must authenticate');
    return { client, method: 'none' };
  });
}

/**
 * Every client id a request names, unverified (Basic's decoded and raw ids,
 * body client_id, the assertion's `sub`): the rows a caller may read ahead
 * for authenticateClient's `lookup`.
 */
export function namedClientIds(req: Request, body: Record<string, unknown> = bodyOf(req)): string[] {
  const header = req.headers.authorization;
  const basic = typeof header === 'string' && /^basic /i.test(header) ? (parseBasicCredentials(header)?.map((c) => c.id) ?? []) : [];
  const named = [...basic, typeof body.client_id === 'string' ? body.client_id : undefined, assertionSubject(body.client_assertion)];
  return [...new Set(named.filter((id): id is string => id !== undefined))];
}

/**
 * As authenticateClient, but a confidential client is required (introspection,
 * revocation, launch registration). `body` holds the OAuth parameters when they
 * are not the request body (the launches API's JSON body is the launch itself).
 */
export async function requireConfidentialClient(
  req: Request,
  deps: AppDeps,
  body?: Record<string, unknown>,
): Promise<Client> {
  const authenticated = await authenticateClient(req, deps, { body });
  if (!authenticated || authenticated.method === 'none') throw invalidClient('client authentication required', BASIC_CHALLENGE);
  return authenticated.client;
}
