import { z } from 'zod';
import type { LaunchContext } from '../../context/index.ts';
import type { Db } from '../../db/index.ts';
import type { RefreshTokenRow } from '../../db/types.ts';
import { oauthParam, optionalParam, parseInput } from '../../http/validate.ts';
import { narrowToGrant } from '../../scopes/index.ts';
import { recordAudit } from '../../store/audit.ts';
import { findClient, type Client } from '../../store/clients.ts';
import { consumeRefreshToken, insertRefreshToken } from '../../store/refresh-tokens.ts';
import type { AuthenticatedClient } from '../client-auth/index.ts';
import { BASIC_CHALLENGE } from '../client-auth/secret.ts';
import { OAuthError, invalidClient, invalidGrant, invalidScope } from '../errors.ts';
import { issueTokens, type TokenResponse } from '../issue.ts';
import { revokeRefreshFamily } from '../revoke-family.ts';
import type { Grant } from '../token.ts';
import { currentGrantUser } from './grant-user.ts';

// SMART app-launch "Refresh access token": grant_type, refresh_token and an optional scope.
const requestSchema = z.object({
  refresh_token: oauthParam(),
  scope: optionalParam(),
});

/**
 * grant_type=refresh_token (RFC 6749 §6, SMART app-launch). One transaction:
 * spend the token, check who presents it, issue with the original grant's
 * context and claim inputs, rotate. A spent token presented again revokes
 * its whole family (OAuth 2.0 Security BCP §4.14.2).
 */
export const refreshTokenGrant: Grant = async ({ body, authenticated, deps, requestId }) => {
  const params = parseInput(requestSchema, body);

  const outcome = await deps.db.transaction().execute(async (trx) => {
    const use = await consumeRefreshToken(trx, params.refresh_token);
    if (use.outcome === 'invalid') throw invalidGrant('the refresh token is invalid, expired or revoked');
    const stored = use.token;
    const client = await presentingClient(trx, stored, authenticated);

    if (use.outcome === 'reused') {
      // Committed, then refused: a stolen or replayed token must not outlive this answer.
      await revokeRefreshFamily(trx, deps, stored, {
        clientId: client.id,
        reason: 'refresh token reused',
        event: 'token.reuse_detected',
        requestId,
      });
      return { reused: true as const };
    }

    const scope = narrowedScope(params.scope, stored.scope);
    const user = await currentGrantUser(trx, stored.user_id);
    const context = stored.context as LaunchContext;

    const response: TokenResponse = await issueTokens(trx, deps, {
      grantType: 'refresh_token',
      client,
      user,
      fhirUser: stored.fhir_user ?? undefined,
      scope,
      aud: stored.aud,
      context,
      launchType: stored.launch_type,
      launchExtra: stored.launch_extra,
      authTime: stored.auth_time,
      grantId: stored.family_id,
      requestId,
    });
    // Rotation: RFC 6749 §6 keeps the new refresh token's scope identical to the
    // old one's; the family's expiry horizon is kept, never extended.
    response.refresh_token = await insertRefreshToken(trx, {
      family_id: stored.family_id,
      client_id: stored.client_id,
      user_id: stored.user_id,
      fhir_user: stored.fhir_user,
      session_id_hash: stored.session_id_hash,
      access_type: stored.access_type,
      scope: stored.scope,
      aud: stored.aud,
      context: JSON.stringify(stored.context),
      launch_type: stored.launch_type,
      launch_extra: JSON.stringify(stored.launch_extra),
      auth_time: stored.auth_time,
      expires_at: stored.expires_at,
    });
    await recordAudit(trx, {
      event: 'token.refreshed',
      clientId: client.id,
      userId: user?.id ?? stored.fhir_user,
      patient: context.patient,
      requestId,
      details: { grant_id: stored.family_id, scope, access_type: stored.access_type },
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
 * The refresh token identifies its client. A confidential client must have
 * authenticated as that client; a public one may send no client_id at all
 * (SMART lists only grant_type, refresh_token and scope), but one it sends
 * must match.
 */
async function presentingClient(
  db: Db,
  stored: RefreshTokenRow,
  authenticated: AuthenticatedClient | undefined,
): Promise<Client> {
  const client = authenticated?.client ?? (await findClient(db, stored.client_id));
  if (!client || client.disabled) throw invalidClient('the client is unknown or disabled');
  if (client.id !== stored.client_id) throw invalidGrant('the refresh token was issued to another client');
  if (!authenticated) {
    if (client.type !== 'public') throw invalidClient('client authentication required', BASIC_CHALLENGE);
    // token.ts checks this for an identified client; here the token named it.
    if (!client.grantTypes.includes('refresh_token'))
      throw new OAuthError('unauthorized_client', 'this client may not use grant_type refresh_token');
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
