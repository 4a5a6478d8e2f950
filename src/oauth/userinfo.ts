import { Router, type Request } from 'express';
import cors from 'cors';
import type { AppDeps } from '../deps.ts';
import { evaluateClaimRules, mergeCustomClaims } from '../claims/index.ts';
import { findClient } from '../store/clients.ts';
import { scopeSet } from '../scopes/index.ts';
import { findUser } from '../store/users.ts';
import { BearerTokenMissing, InsufficientScope, InvalidToken } from './errors.ts';
import { claimInputFor } from './grant-claims.ts';
import { activeAccessToken } from './introspect.ts';
import { noStore } from '../http/no-store.ts';

function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim()) : null;
  if (!match) throw new BearerTokenMissing('send the access token as Authorization: Bearer');
  return match[1]!;
}

/**
 * OpenID Connect UserInfo (GET or POST /userinfo, Bearer access token with
 * `openid`): `sub`, `fhirUser` when granted, `preferred_username` with
 * `profile`, plus the claim rules' `userinfo` claims, computed now with the
 * grant's original inputs and the user's current attributes.
 */
export function userinfoRouter(deps: AppDeps): Router {
  const router = Router();
  const userinfo = async (req: Request, res: import('express').Response) => {
    const active = await activeAccessToken(deps, bearerToken(req));
    if (!active) throw new InvalidToken('the access token is not active');
    const { claims, standing } = active;
    const scopes = scopeSet(String(claims.scope ?? ''));
    if (!scopes.has('openid'))
      throw new InsufficientScope('the access token was not granted openid', 'openid');

    const { grant } = standing;
    if (!grant) throw new InvalidToken('the access token has no user');
    const [client, user] = await Promise.all([
      findClient(deps.db, grant.clientId),
      grant.userId ? findUser(deps.db, grant.userId) : undefined,
    ]);
    if (!client) throw new InvalidToken('the access token has no user');

    const standard: Record<string, unknown> = { sub: claims.sub };
    if (scopes.has('fhirUser') && typeof claims.fhirUser === 'string') standard.fhirUser = claims.fhirUser;
    if (scopes.has('profile') && user) standard.preferred_username = user.username;

    const custom = evaluateClaimRules(
      deps.config.claimRules,
      claimInputFor({ grant, grantType: 'authorization_code', client, user, scope: String(claims.scope) }),
    ).userinfo;
    res.json(mergeCustomClaims(standard, custom));
  };
  // Bearer-authenticated, no cookies: any browser app may call it.
  const anyOrigin = cors({ allowedHeaders: ['Authorization', 'Content-Type'] });
  router.options('/userinfo', anyOrigin);
  router.get('/userinfo', anyOrigin, noStore, userinfo);
  router.post('/userinfo', anyOrigin, noStore, userinfo);
  return router;
}
