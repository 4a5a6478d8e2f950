import { Router, type Request, type Response } from 'express';
import cors from 'cors';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { noStore } from '../http/no-store.ts';
import { formBody } from '../http/form.ts';
import { hasBadBytes } from '../http/clean-input.ts';
import type { DirectAnswer } from '../http/hot-routes.ts';
import { parseInput, oauthParam } from '../http/validate.ts';
import { recordAudit } from '../store/audit.ts';
import { registeredOrigins, type Client } from '../store/clients.ts';
import { authenticateClient, type AuthenticatedClient, type ClientRequest } from './client-auth/index.ts';
import { OAuthError, UnauthorizedClient, UnsupportedGrantType } from './errors.ts';
import { IssueHookFailed } from './grant-claims.ts';
import { authorizationCodeGrant } from './grants/authorization-code.ts';
import { clientCredentialsGrant } from './grants/client-credentials.ts';
import { refreshTokenGrant } from './grants/refresh-token.ts';
import type { TokenResponse } from './issue.ts';

export interface GrantContext {
  body: Record<string, unknown>;
  /** Undefined when the request identified no client (a public client refreshing may send none). */
  authenticated: AuthenticatedClient | undefined;
  deps: AppDeps;
  requestId: string | undefined;
}

export type GrantHandler = (context: GrantContext) => Promise<TokenResponse>;

/** grant_type -> handler. grant_types_supported in discovery is these keys. */
const GRANTS: Record<string, GrantHandler> = {
  authorization_code: authorizationCodeGrant,
  client_credentials: clientCredentialsGrant,
  refresh_token: refreshTokenGrant,
};

export const GRANT_TYPES = Object.keys(GRANTS);

const grantTypeSchema = z.object({ grant_type: oauthParam() });

/**
 * Browser apps call /token from their own origin. Preflights are allowed for
 * origins of registered redirect URIs; the response itself keeps the
 * Access-Control-Allow-Origin header only for the authenticated client's own origins.
 */
export function tokenCors(deps: AppDeps) {
  return cors({
    origin: (origin, callback) => {
      if (!origin) return callback(null, false);
      registeredOrigins(deps.db).then(
        (origins) => callback(null, origins.has(origin)),
        () => callback(null, false),
      );
    },
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'Authorization'],
    maxAge: 600,
  });
}

export function restrictCorsToClient(req: Request, res: Response, client: Client): void {
  const origin = req.headers.origin;
  if (origin && !client.redirectUris.some((uri) => new URL(uri).origin === origin))
    res.removeHeader('Access-Control-Allow-Origin');
}

/** The form body /token accepts (also read by the hot route, src/http/hot-routes.ts). */
export const TOKEN_FORM = { limitBytes: 64 * 1024, parameterLimit: 50 };

/** What the token endpoint runs besides the grants, under express or without it. */
export interface TokenOptions {
  /** Run once the form is read, before any grant; throws to refuse (the sandbox's simulated errors). */
  beforeGrant?: (body: Record<string, unknown>) => Promise<void>;
}

/**
 * One token request, from its form to the answer: what POST /token does once
 * its form is read, under express or without it (`tokenWithoutExpress`).
 * `onClient` sees the client once it is authenticated, before the grant runs
 * (the CORS header is narrowed to its origins there).
 */
export async function answerTokenRequest(
  deps: AppDeps,
  req: ClientRequest,
  { beforeGrant, onClient }: TokenOptions & { onClient?: (client: Client) => void } = {},
): Promise<TokenResponse> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  await beforeGrant?.(body);
  const started = performance.now();
  const { grant_type } = parseInput(grantTypeSchema, body);
  const grant = GRANTS[grant_type];
  if (!grant || !Object.hasOwn(GRANTS, grant_type))
    throw new UnsupportedGrantType(`grant_type "${grant_type}" is not supported`);

  const requestId = req.id as string | undefined;
  try {
    const authenticated = await authenticateClient(req, deps, { body });
    if (authenticated) {
      onClient?.(authenticated.client);
      if (!authenticated.client.grantTypes.includes(grant_type))
        throw new UnauthorizedClient(`this client may not use grant_type ${grant_type}`);
    }
    const response = await grant({ body, authenticated, deps, requestId });
    deps.metrics.tokensIssued(grant_type, response);
    deps.metrics.observeTokenRequest(grant_type, 'success', (performance.now() - started) / 1000);
    return response;
  } catch (error) {
    deps.metrics.observeTokenRequest(grant_type, error instanceof OAuthError ? error.code : 'server_error', (performance.now() - started) / 1000);
    // After the grant's transaction has rolled back, so the audit row stays.
    if (error instanceof IssueHookFailed)
      await recordAudit(deps.db, {
        event: 'hook.failed',
        clientId: error.clientId,
        userId: error.userId,
        requestId,
        details: { reason: error.reason, grant: grant_type },
      });
    throw error;
  }
}

export function tokenRouter(deps: AppDeps, options: TokenOptions = {}): Router {
  const router = Router();
  const form = formBody(TOKEN_FORM);
  router.options('/token', tokenCors(deps));
  router.post('/token', noStore, tokenCors(deps), form, async (req, res) => {
    res.json(await answerTokenRequest(deps, req, { ...options, onClient: (client) => restrictCorsToClient(req, res, client) }));
  });
  return router;
}

/**
 * POST /token answered without express (src/http/hot-routes.ts `direct`): the
 * same answerTokenRequest, so the same answer, for a request the router would
 * pass straight to it. A browser's request (Origin: CORS) and a header or body
 * rejectBadBytes would refuse go to the router.
 */
export function tokenWithoutExpress(deps: AppDeps, options: TokenOptions = {}): DirectAnswer {
  return (req, body, ip) => {
    if (req.headers.origin !== undefined || hasBadBytes(req, body)) return undefined;
    return answerTokenRequest(deps, { headers: req.headers, ip, id: req.id, baseUrl: '', path: '/token', body }, options);
  };
}
