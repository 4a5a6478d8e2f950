import express, { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { optionalParam, parseInput } from '../http/validate.ts';
import { recordAudit } from '../store/audit.ts';
import { revokeGrantAudited } from './revoke-grant.ts';
import type { Client } from '../store/clients.ts';
import { findRefreshTokenGrant } from '../store/refresh-tokens.ts';
import { grantIdOfJti, revokeAccessToken } from '../store/revocations.ts';
import { verifyAccessToken } from '../tokens/access-token.ts';
import { authenticateClient } from './client-auth/index.ts';
import { BASIC_CHALLENGE } from './client-auth/secret.ts';
import { invalidClient } from './errors.ts';
import { tokenParam } from './introspect.ts';
import { restrictCorsToClient, tokenCors } from './token.ts';
import { noStore } from '../http/no-store.ts';

const requestSchema = z.object({ token: tokenParam(), token_type_hint: optionalParam() });

/**
 * Revokes `token` if it is one of `client`'s. A refresh token takes its whole
 * grant and every access token issued under it (the grant's one row);
 * an access token is revoked by its jti until it expires. Anything else
 * (unknown, expired, another client's) is left alone: RFC 7009 §2.2 answers
 * 200 all the same.
 */
async function revokeToken(deps: AppDeps, client: Client, token: string, requestId: string | undefined): Promise<void> {
  if (token.includes('.')) {
    const claims = verifyAccessToken(deps.keys, deps.config.issuer, token);
    if (!claims || claims.client_id !== client.id || typeof claims.jti !== 'string' || typeof claims.exp !== 'number') return;
    const { jti, exp } = claims;
    await deps.db.transaction().execute(async (trx) => {
      await revokeAccessToken(trx, jti, client.id, new Date(exp * 1000));
      await recordAudit(trx, {
        event: 'token.revoked',
        clientId: client.id,
        userId: typeof claims.sub === 'string' ? claims.sub : undefined,
        patient: typeof claims.patient === 'string' ? claims.patient : undefined,
        requestId,
        details: { token_type: 'access_token', grant_id: grantIdOfJti(jti) },
      });
    });
    return;
  }

  const grant = await findRefreshTokenGrant(deps.db, token);
  if (!grant || grant.clientId !== client.id) return;
  await deps.db.transaction().execute((trx) =>
    revokeGrantAudited(trx, grant, {
      clientId: client.id,
      reason: 'revoked by the client',
      event: 'token.revoked',
      requestId,
      details: { token_type: 'refresh_token' },
    }),
  );
}

/**
 * POST /revoke (RFC 7009). Clients authenticate as at /token; a public
 * client identifies itself with client_id. Browser apps may call it, so it
 * has the token endpoint's CORS policy.
 */
export function revocationRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '96kb', parameterLimit: 20 });
  router.options('/revoke', tokenCors(deps));
  router.post('/revoke', noStore, tokenCors(deps), form, async (req, res) => {
    const authenticated = await authenticateClient(req, deps);
    if (!authenticated) throw invalidClient('client authentication or client_id required', BASIC_CHALLENGE);
    restrictCorsToClient(req, res, authenticated.client);
    const { token } = parseInput(requestSchema, req.body);
    await revokeToken(deps, authenticated.client, token, req.id as string | undefined);
    res.status(200).end();
  });
  return router;
}
