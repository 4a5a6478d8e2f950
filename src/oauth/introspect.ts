import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { accessTokenContextClaims, tokenResponseContext } from '../context/index.ts';
import { noStore } from '../http/no-store.ts';
import { formBody } from '../http/form.ts';
import { optionalParam, parseInput } from '../http/validate.ts';
import { findActiveRefreshToken } from '../store/refresh-tokens.ts';
import type { AccessTokenStanding } from '../store/revocations.ts';
import { authenticateClient } from './client-auth/index.ts';
import { BASIC_CHALLENGE, parseBasicCredentials, secretHolder } from './client-auth/secret.ts';
import { OAuthError, invalidClient } from './errors.ts';
import { subjectOf } from './grant-claims.ts';
import { activeAccessToken, isActive, verifiedAccessToken, type ActiveAccessToken } from './token-standing.ts';

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
 * at /token (Basic, client_secret_post, and private_key_jwt once wired), or
 * presenting `Authorization: Bearer <an active access token we issued>` whose
 * client has that role (SMART token-introspection: the endpoint may accept a
 * bearer token). Returns the caller's client id.
 */
async function authenticateIntrospector(req: Request, deps: AppDeps): Promise<string> {
  const header = req.headers.authorization;
  let clientId: string;
  let roles: string[];
  if (typeof header === 'string' && /^bearer /i.test(header)) {
    const active = await activeAccessToken(deps, header.slice('bearer '.length).trim());
    if (!active) throw invalidClient('the bearer token is not active', CHALLENGE);
    clientId = active.claims.client_id;
    roles = active.standing.clientRoles;
  } else {
    const authenticated = await authenticateClient(req, deps);
    if (!authenticated || authenticated.method === 'none') throw invalidClient('client authentication required', CHALLENGE);
    clientId = authenticated.client.id;
    roles = authenticated.client.roles;
  }
  return mayIntrospect(clientId, roles);
}

function mayIntrospect(clientId: string, roles: readonly string[]): string {
  if (!roles.includes(INTROSPECTOR_ROLE))
    throw new OAuthError('unauthorized_client', 'this client may not introspect tokens', { status: 403 });
  return clientId;
}

/**
 * The hot path: a resource server with a Basic secret introspects an access
 * token. One signature verification and ONE query, which also reads the
 * caller's client row, so authenticating the caller costs no round trip.
 * Anything else (bearer callers, assertions, refresh tokens) takes the general path.
 */
async function introspectWithBasic(
  req: Request,
  deps: AppDeps,
  token: string,
): Promise<{ caller: string; result: Introspection } | undefined> {
  const header = req.headers.authorization;
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof header !== 'string' || !/^basic /i.test(header) || !token.includes('.')) return undefined;
  if (body.client_secret !== undefined || body.client_assertion !== undefined || body.client_assertion_type !== undefined)
    return undefined;
  const candidates = parseBasicCredentials(header);
  if (!candidates || (typeof body.client_id === 'string' && !candidates.some((c) => c.id === body.client_id))) return undefined;
  const verified = await verifiedAccessToken(deps, token, candidates.map((c) => c.id));
  if (!verified) return undefined;
  const { claims, standing } = verified.token;
  const caller = secretHolder(candidates, verified.callers, CHALLENGE);
  mayIntrospect(caller.id, caller.roles);
  return { caller: caller.id, result: isActive(standing) ? accessTokenIntrospection(claims, standing) : INACTIVE };
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
 * POST /introspect (RFC 7662; SMART token-introspection). Access tokens are
 * JWTs and refresh tokens opaque values without dots, so the token's shape
 * says which it is; token_type_hint is accepted and not needed.
 */
/** The form body /introspect accepts (also read by the hot route, src/http/hot-routes.ts). */
export const INTROSPECT_FORM = { limitBytes: 96 * 1024, parameterLimit: 20 };

export function introspectionRouter(deps: AppDeps): Router {
  const router = Router();
  const form = formBody(INTROSPECT_FORM);
  router.post('/introspect', noStore, form, async (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : undefined;
    const fast = token && token.length <= 65_536 ? await introspectWithBasic(req, deps, token) : undefined;
    let caller: string;
    let result: Introspection;
    if (fast) {
      ({ caller, result } = fast);
    } else {
      caller = await authenticateIntrospector(req, deps);
      const { token } = parseInput(requestSchema, req.body);
      result = token.includes('.') ? await introspectAccessToken(deps, token) : await introspectRefreshToken(deps, token);
    }
    res.json(result.active ? result.response : INACTIVE);
    deps.metrics.introspected(result.active);

    // Audited in batches: the resource server never waits for this insert.
    deps.auditBatch.add({
      event: 'token.introspected',
      clientId: caller,
      requestId: req.id as string | undefined,
      ...(result.active
        ? { userId: result.subject, patient: result.patient, details: { active: true, token_type: result.tokenType, token_client_id: result.clientId } }
        : { details: { active: false } }),
    });
  });
  return router;
}
