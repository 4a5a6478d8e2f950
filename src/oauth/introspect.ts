import type { IncomingMessage } from 'node:http';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { accessTokenContextClaims, tokenResponseContext } from '../context/index.ts';
import { noStore } from '../http/no-store.ts';
import { formBody } from '../http/form.ts';
import { optionalParam, parseInput } from '../http/validate.ts';
import { findActiveRefreshToken } from '../store/refresh-tokens.ts';
import type { AccessTokenStanding } from '../store/revocations.ts';
import { authenticateClient, namedClientIds, prereadLookup, type ClientLookup } from './client-auth/index.ts';
import { BASIC_CHALLENGE, ClientRoleMissing, invalidClient } from './errors.ts';
import { subjectOf } from './grant-claims.ts';
import { activeAccessToken, cachedAccessToken, isActive, verifiedAccessToken, type ActiveAccessToken } from './token-standing.ts';
import { cachedBasicClient, credentialsGeneration, rememberBasicClient } from './client-auth/verified-credentials.ts';

export { activeAccessToken, type ActiveAccessToken } from './token-standing.ts';

export const INTROSPECTOR_ROLE = 'introspector';

/** Both ways a resource server may authenticate here (RFC 7662 §2.1). */
const CHALLENGE = `${BASIC_CHALLENGE}, Bearer realm="smart-launch"`;

/** A token parameter: one string, long enough for the largest access token we may issue. */
export const tokenParam = () =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be sent once, as a string') })
    .min(1, 'must not be empty')
    .max(65_536, 'is too long');

const requestSchema = z.object({ token: tokenParam(), token_type_hint: optionalParam() });

/** RFC 7662 §2.2: the only answer for anything not active. */
const INACTIVE = { active: false } as const;

type Introspection =
  | { active: false }
  | { active: true; response: Record<string, unknown>; tokenType: 'access_token' | 'refresh_token'; clientId: string; subject: string; patient: string | undefined };

/**
 * Who may introspect: a client with the `introspector` role, authenticated as
 * at /token (Basic, client_secret_post, private_key_jwt), or presenting
 * `Authorization: Bearer <an active access token we issued>` whose client has
 * that role (SMART token-introspection: the endpoint may accept a bearer
 * token). `lookup` holds the client rows already read, if any. Returns the
 * caller's client id.
 */
async function authenticateIntrospector(req: Request, deps: AppDeps, lookup: ClientLookup | undefined): Promise<string> {
  const header = req.headers.authorization;
  let clientId: string;
  let roles: string[];
  if (presentsBearer(req)) {
    const active = await activeAccessToken(deps, header!.slice('bearer '.length).trim());
    if (!active) throw invalidClient('the bearer token is not active', CHALLENGE);
    clientId = active.claims.client_id;
    roles = active.standing.clientRoles;
  } else {
    const generation = credentialsGeneration(deps.db);
    const authenticated = await authenticateClient(req, deps, { lookup });
    if (!authenticated || authenticated.method === 'none') throw invalidClient('client authentication required', CHALLENGE);
    clientId = authenticated.client.id;
    roles = authenticated.client.roles;
    if (authenticated.method === 'client_secret_basic' && roles.includes(INTROSPECTOR_ROLE))
      rememberBasicClient(deps.db, header!, authenticated.client, generation);
  }
  if (!roles.includes(INTROSPECTOR_ROLE)) throw new ClientRoleMissing('this client may not introspect tokens');
  return clientId;
}

const presentsBearer = (req: Request) => /^bearer /i.test(req.headers.authorization ?? '');

/**
 * The hot path: a client authenticating with credentials introspects an
 * access token. One signature verification and ONE query (or none, from the
 * cache in token-standing.ts), which also reads the rows of the clients the
 * request names, so authenticating the caller costs no round trip.
 * Undefined for a token that is not one of ours (inactive).
 */
async function accessTokenWithCallers(req: Request, deps: AppDeps, token: string) {
  const named = namedClientIds(req);
  const verified = await verifiedAccessToken(deps, token, named);
  return verified && { token: verified.token, lookup: prereadLookup(deps.db, named, verified.callers) };
}

async function introspectAccessToken(deps: AppDeps, token: string): Promise<Introspection> {
  const active = await activeAccessToken(deps, token);
  return active ? accessTokenIntrospection(active.claims, active.standing) : INACTIVE;
}

function accessTokenIntrospection(claims: ActiveAccessToken['claims'], standing: AccessTokenStanding): Introspection {
  return {
    active: true,
    // SMART token-introspection: every launch-context parameter the token response had, then the token's own claims.
    response: { ...tokenResponseContext(standing.grant?.context ?? {}), ...claims, active: true, token_type: 'Bearer' },
    tokenType: 'access_token',
    clientId: claims.client_id,
    subject: claims.sub,
    patient: typeof claims.patient === 'string' ? claims.patient : undefined,
  };
}

async function introspectRefreshToken(deps: AppDeps, token: string): Promise<Introspection> {
  const found = await findActiveRefreshToken(deps.db, token);
  if (!found) return INACTIVE;
  const { grant } = found;
  const subject = subjectOf(grant);
  return {
    active: true,
    response: {
      active: true,
      iss: deps.config.issuer,
      scope: grant.scope,
      client_id: grant.clientId,
      sub: subject,
      exp: Math.floor(found.expiresAt.getTime() / 1000),
      iat: Math.floor(found.createdAt.getTime() / 1000),
      token_type: 'refresh_token',
      ...accessTokenContextClaims(grant.context),
    },
    tokenType: 'refresh_token',
    clientId: grant.clientId,
    subject,
    patient: grant.context.patient,
  };
}

/**
 * The answer from memory, or undefined for the router below: a resource
 * server whose Basic credentials this process already checked
 * (verified-credentials.ts), with a body of `token` (an access token in the
 * verified-token cache, token-standing.ts) and at most a plain
 * `token_type_hint`. The answer, metrics and audit are the router's for the
 * same request; anything else, and every error, goes through the router.
 * Called by the hot route (src/http/hot-routes.ts) once the form is read.
 */
export function introspectionFromCache(deps: AppDeps): (req: IncomingMessage, fields: Record<string, string | string[]>) => object | undefined {
  return (req, fields) => {
    const { authorization } = req.headers;
    if (authorization === undefined || !/^basic /i.test(authorization) || req.headers.cookie !== undefined) return undefined;
    let token: string | undefined;
    for (const name in fields) {
      const value = fields[name];
      if (name === 'token' && typeof value === 'string') token = value;
      else if (name !== 'token_type_hint' || typeof value !== 'string' || !PLAIN_HINT.test(value)) return undefined;
    }
    if (token === undefined) return undefined;
    const caller = cachedBasicClient(deps.db, authorization);
    if (!caller?.roles.includes(INTROSPECTOR_ROLE)) return undefined;
    const found = cachedAccessToken(deps, token);
    if (!found) return undefined;
    const result = isActive(found.standing) ? accessTokenIntrospection(found.claims, found.standing) : INACTIVE;
    recordIntrospection(deps, caller.clientId, req.id, result, true);
    return result.active ? result.response : INACTIVE;
  };
}

/** A token_type_hint the cached path may pass over (RFC 7662 names access_token and refresh_token). */
const PLAIN_HINT = /^[\w.:-]{1,100}$/;

function recordIntrospection(deps: AppDeps, caller: string, requestId: string | undefined, result: Introspection, fromMemory = false): void {
  deps.metrics.introspected(result.active, fromMemory);
  // Audited in batches: the resource server never waits for this insert.
  deps.auditBatch.add({
    event: 'token.introspected',
    clientId: caller,
    requestId,
    ...(result.active
      ? { userId: result.subject, patient: result.patient, details: { active: true, token_type: result.tokenType, token_client_id: result.clientId } }
      : { details: { active: false } }),
  });
}

/** The form body /introspect accepts (also read by the hot route, src/http/hot-routes.ts). */
export const INTROSPECT_FORM = { limitBytes: 96 * 1024, parameterLimit: 20 };

/**
 * POST /introspect (RFC 7662; SMART token-introspection). Access tokens are
 * JWTs and refresh tokens opaque values without dots, so the token's shape
 * says which it is; token_type_hint is accepted and not needed.
 */
export function introspectionRouter(deps: AppDeps): Router {
  const router = Router();
  const form = formBody(INTROSPECT_FORM);
  router.post('/introspect', noStore, form, async (req, res) => {
    const sent: unknown = req.body?.token;
    const accessToken = typeof sent === 'string' && sent.length <= 65_536 && sent.includes('.') && !presentsBearer(req) ? sent : undefined;
    let caller: string;
    let result: Introspection;
    if (accessToken) {
      const found = await accessTokenWithCallers(req, deps, accessToken);
      caller = await authenticateIntrospector(req, deps, found?.lookup);
      parseInput(requestSchema, req.body);
      result = found && isActive(found.token.standing) ? accessTokenIntrospection(found.token.claims, found.token.standing) : INACTIVE;
    } else {
      caller = await authenticateIntrospector(req, deps, undefined);
      const { token } = parseInput(requestSchema, req.body);
      result = token.includes('.') ? await introspectAccessToken(deps, token) : await introspectRefreshToken(deps, token);
    }
    res.json(result.active ? result.response : INACTIVE);
    recordIntrospection(deps, caller, req.id as string | undefined, result);
  });
  return router;
}
