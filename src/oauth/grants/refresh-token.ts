import { z } from 'zod';
import type { Db } from '../../db/index.ts';
import { oauthParam, optionalParam, parseInput } from '../../http/validate.ts';
import { narrowToGrant } from '../../scopes/index.ts';
import { recordGrantAudit } from '../../store/audit.ts';
import { findClient, type Client } from '../../store/clients.ts';
import type { Grant } from '../../store/grants.ts';
import { consumeRefreshToken } from '../../store/refresh-tokens.ts';
import type { AuthenticatedClient } from '../client-auth/index.ts';
import { BASIC_CHALLENGE } from '../client-auth/secret.ts';
import { UnauthorizedClient, invalidClient, invalidGrant, invalidScope } from '../errors.ts';
import { issueTokens } from '../issue.ts';
import { revokeGrantAudited } from '../revoke-grant.ts';
import type { GrantHandler } from '../token.ts';

// SMART app-launch "Refresh access token": grant_type, refresh_token and an optional scope.
const requestSchema = z.object({
  refresh_token: oauthParam(),
  scope: optionalParam(),
});

/**
 * grant_type=refresh_token (RFC 6749 §6, SMART app-launch). One transaction:
 * spend the token (which reads its grant), check who presents it, issue under
 * the grant with its context and claim inputs, rotate: a new refresh token of
 * the same grant with the same expiry horizon. A spent token presented again
 * revokes the grant (OAuth 2.0 Security BCP §4.14.2).
 */
export const refreshTokenGrant: GrantHandler = async ({ body, authenticated, deps, requestId }) => {
  const params = parseInput(requestSchema, body);

  const outcome = await deps.db.transaction().execute(async (trx) => {
    const use = await consumeRefreshToken(trx, params.refresh_token);
    if (use.outcome === 'invalid') throw invalidGrant('the refresh token is invalid, expired or revoked');
    const { grant } = use;
    const client = await presentingClient(trx, grant, authenticated);

    if (use.outcome === 'reused') {
      // Committed, then refused: a stolen or replayed token must not outlive this answer.
      await revokeGrantAudited(trx, grant, { clientId: client.id, reason: 'refresh token reused', event: 'token.reuse_detected', requestId });
      return { reused: true as const };
    }

    const scope = narrowedScope(params.scope, grant.scope);
    // Rotation: RFC 6749 §6 keeps the new refresh token's scope identical to the
    // old one's (the grant's); the expiry horizon is kept, never extended.
    const response = await issueTokens(trx, deps, grant, 'refresh_token', {
      client,
      scope,
      refreshExpiresAt: use.expiresAt,
    });
    await recordGrantAudit(trx, grant, {
      event: 'token.refreshed',
      clientId: client.id,
      requestId,
      details: { grant_id: grant.id, scope, access_type: grant.accessType },
    });
    return { reused: false as const, response };
  });

  if (outcome.reused) {
    deps.metrics.refreshReuseDetected.inc();
    throw invalidGrant('the refresh token was already used; every token of its grant is revoked');
  }
  return outcome.response;
};

/**
 * The refresh token's grant identifies its client. A confidential client must
 * have authenticated as that client; a public one may send no client_id at all
 * (SMART lists only grant_type, refresh_token and scope), but one it sends
 * must match.
 */
async function presentingClient(db: Db, grant: Grant, authenticated: AuthenticatedClient | undefined): Promise<Client> {
  const client = authenticated?.client ?? (await findClient(db, grant.clientId));
  if (!client || client.disabled) throw invalidClient('the client is unknown or disabled');
  if (client.id !== grant.clientId) throw invalidGrant('the refresh token was issued to another client');
  if (!authenticated) {
    if (client.type !== 'public') throw invalidClient('client authentication required', BASIC_CHALLENGE);
    // token.ts checks this for an identified client; here the token named it.
    if (!client.grantTypes.includes('refresh_token'))
      throw new UnauthorizedClient('this client may not use grant_type refresh_token');
  }
  return client;
}

/** RFC 6749 §6: the requested scope MUST NOT include any scope not originally granted. */
function narrowedScope(requested: string | undefined, original: string): string {
  if (requested === undefined) return original;
  const result = narrowToGrant(requested, original);
  if (!result.ok) throw invalidScope(result.error);
  return result.scope;
}
