import type { Request } from 'express';
import type { AppDeps } from '../../deps.ts';
import { findClient, type Client } from '../../store/clients.ts';
import { claimedClientId, throttleClientAuth } from '../../throttle/client-auth.ts';
import { invalidClient, invalidRequest } from '../errors.ts';
import { assertionAudiences, authenticateWithAssertion, type VerifiedAssertion } from './private-key-jwt.ts';
import { authenticateWithSecret, BASIC_CHALLENGE, parseBasicCredentials } from './secret.ts';

export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** Advertised in discovery; each is implemented below. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
/** Signing algorithms accepted on client assertions: SMART requires RS384 and ES384; RS256 and ES256 are also common. */
export const ASSERTION_ALGORITHMS: readonly string[] = ['RS384', 'ES384', 'RS256', 'ES256'];

export interface AuthenticatedClient {
  client: Client;
  method: ClientAuthMethod;
  /** private_key_jwt with deferAssertionJti: the jti the caller must record (once) before answering. */
  unrecordedAssertion?: VerifiedAssertion;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Authenticates the client of a request to /token, /introspect, /revoke or
 * /launches. Returns undefined when the request carries no client
 * identification at all (a public client refreshing may send none).
 * RFC 6749 §2.3: a client MUST NOT use more than one method.
 */
export async function authenticateClient(
  req: Request,
  deps: AppDeps,
  body: Record<string, unknown> = (req.body ?? {}) as Record<string, unknown>,
  options: { deferAssertionJti?: boolean } = {},
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
  return throttleClientAuth(req, deps, claimed, async (): Promise<AuthenticatedClient | undefined> => {
    if (usesBasic) {
      if (!candidates) throw invalidClient('malformed Basic credentials', BASIC_CHALLENGE);
      if (bodyClientId !== undefined && !candidates.some((c) => c.id === bodyClientId))
        throw invalidClient('client_id does not match the authenticated client', BASIC_CHALLENGE);
      return { client: await authenticateWithSecret(deps.db, candidates, BASIC_CHALLENGE), method: 'client_secret_basic' };
    }
    if (usesPost) {
      if (typeof bodyClientId !== 'string' || typeof body.client_secret !== 'string')
        throw invalidClient('client_secret_post needs client_id and client_secret, once each');
      const client = await authenticateWithSecret(deps.db, [{ id: bodyClientId, secret: body.client_secret }], undefined);
      return { client, method: 'client_secret_post' };
    }
    if (usesAssertion) {
      if (body.client_assertion_type !== ASSERTION_TYPE) throw invalidClient('unsupported client_assertion_type');
      const deferJti = options.deferAssertionJti === true;
      // The endpoint this request reached (/token, /introspect, /revoke, /launches/{id} -> /launches).
      const endpoint = `/${(req.baseUrl + req.path).split('/')[1] ?? ''}`;
      const audiences = assertionAudiences(deps.config.issuer, endpoint);
      const { client, assertion } = await authenticateWithAssertion(deps, body.client_assertion, bodyClientId, ASSERTION_ALGORITHMS, { deferJti, audiences });
      return { client, method: 'private_key_jwt', ...(deferJti ? { unrecordedAssertion: assertion } : {}) };
    }
    if (bodyClientId === undefined) return undefined;
    const client = await findClient(deps.db, bodyClientId);
    if (!client || client.disabled) throw invalidClient('unknown or disabled client');
    if (client.type !== 'public') throw invalidClient('this client must authenticate');
    return { client, method: 'none' };
  });
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
  const authenticated = await authenticateClient(req, deps, body);
  if (!authenticated || authenticated.method === 'none') throw invalidClient('client authentication required', BASIC_CHALLENGE);
  return authenticated.client;
}
