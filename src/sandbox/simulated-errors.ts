import express, { Router, type Request, type RequestHandler } from 'express';
import type { AppDeps } from '../deps.ts';
import { InvalidGrant, InvalidScope, InvalidToken, TemporarilyUnavailable } from '../oauth/errors.ts';
import { findClient } from '../store/clients.ts';
import { findLiveLaunch } from '../store/launches.ts';
import { launchExtraOfCode, launchExtraOfGrant, launchExtraOfRefreshToken } from '../store/simulations.ts';

/**
 * Errors an app tester can ask the launcher for, to see how the app copes. The
 * choice rides in the launch's `extra`; these handlers run before the real
 * endpoints (the token endpoint runs simulatedTokenErrors itself) and are mounted only in sandbox mode outside NODE_ENV=production
 * (config.launcher.simulatedErrors), so a production config cannot have them.
 */
export const SIMULATED_ERRORS = ['invalid_scope', 'expired_code', 'token_unavailable', 'fhir_unauthorized'] as const;
export type SimulatedError = (typeof SIMULATED_ERRORS)[number];

export const SIMULATED_ERROR_LABELS: Record<SimulatedError, string> = {
  invalid_scope: '/authorize redirects back with error=invalid_scope',
  expired_code: '/token refuses the code: invalid_grant (expired)',
  token_unavailable: '/token is down: 503 temporarily_unavailable with Retry-After',
  fhir_unauthorized: 'the FHIR API answers 401 invalid_token to the access token',
};

export const SIMULATION_KEY = 'sandbox_simulated_error';

const simulated = (extra: Record<string, unknown> | undefined) => extra?.[SIMULATION_KEY] as SimulatedError | undefined;
const note = ' (simulated by the launcher)';

export function simulatedErrorsRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });

  const authorize = async (req: Request, params: Record<string, unknown>) => {
    const { launch, client_id, redirect_uri, state } = params;
    if (typeof launch !== 'string' || typeof client_id !== 'string' || typeof redirect_uri !== 'string') return;
    const found = await findLiveLaunch(deps.db, launch);
    if (simulated(found?.extra) !== 'invalid_scope') return;
    // Only ever redirect to a redirect URI registered for the client (RFC 6749 §4.1.2.1).
    const client = await findClient(deps.db, client_id);
    if (!client?.redirectUris.includes(redirect_uri)) return;
    throw new InvalidScope(`the requested scope is not valid${note}`).redirectTo(
      redirect_uri,
      typeof state === 'string' ? state : undefined,
    );
  };
  // router.use with a method check, not router.get/post: a route would make express answer
  // OPTIONS itself and take the CORS preflight away from the real endpoint.
  router.use('/authorize', form, async (req, _res, next) => {
    if (req.method === 'GET') await authorize(req, req.query as Record<string, unknown>);
    if (req.method === 'POST') await authorize(req, (req.body ?? {}) as Record<string, unknown>);
    next();
  });

  const fhirBase = new URL(deps.config.fhirBaseUrl);
  if (fhirBase.origin === new URL(deps.config.issuer).origin) {
    router.use(fhirBase.pathname, async (req, _res, next) => {
      const grantId = grantOfBearer(req.headers.authorization);
      if (grantId && simulated(await launchExtraOfGrant(deps.db, grantId)) === 'fhir_unauthorized')
        throw new InvalidToken(`the access token was rejected${note}`, `Bearer error="invalid_token", error_description="simulated by the launcher"`);
      next();
    });
  }
  return router;
}

/**
 * The /token part, run by the token endpoint once the form is read, before the
 * grant (with or without express): the code's or refresh token's launch says
 * which error the tester asked for, thrown here.
 */
export function simulatedTokenErrors(deps: AppDeps): (body: Record<string, unknown>) => Promise<void> {
  return async (body) => {
    const extra =
      body.grant_type === 'authorization_code' && typeof body.code === 'string'
        ? await launchExtraOfCode(deps.db, body.code)
        : body.grant_type === 'refresh_token' && typeof body.refresh_token === 'string'
          ? await launchExtraOfRefreshToken(deps.db, body.refresh_token)
          : undefined;
    const error = simulated(extra);
    if (error === 'token_unavailable') throw new TemporarilyUnavailable(`the token endpoint is down${note}`, 30);
    if (error === 'expired_code' && body.grant_type === 'authorization_code')
      throw new InvalidGrant(`the authorization code has expired${note}`);
  };
}

/** The grant id in an access token's `jti` (`<grant id>.<random>`), read without verifying: only to pick the simulation. */
function grantOfBearer(header: string | undefined): string | undefined {
  const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(header ?? '')?.[1];
  if (!token) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti?: unknown };
    return typeof payload.jti === 'string' && payload.jti.includes('.') ? payload.jti.split('.')[0] : undefined;
  } catch {
    return undefined;
  }
}
