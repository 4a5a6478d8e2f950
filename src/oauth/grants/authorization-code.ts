import { z } from 'zod';
import type { LaunchContext } from '../../context/index.ts';
import { oauthParam, parseInput } from '../../http/validate.ts';
import { recordAudit } from '../../store/audit.ts';
import { redeemAuthorizationCode } from '../../store/codes.ts';
import { revokeGrant } from '../../store/revocations.ts';
import { invalidClient, invalidGrant } from '../errors.ts';
import { issueTokens, type TokenResponse } from '../issue.ts';
import { CODE_VERIFIER, verifierMatchesChallenge } from '../pkce.ts';
import type { Grant } from '../token.ts';
import { currentGrantUser } from './grant-user.ts';
import { refreshTokenTerms } from './refresh-terms.ts';

const requestSchema = z.object({
  code: oauthParam(),
  redirect_uri: oauthParam(),
  code_verifier: oauthParam(),
});

/**
 * grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636, SMART app-launch
 * "Obtain access token"). One transaction: consume the code, check it,
 * issue, audit.
 */
export const authorizationCodeGrant: Grant = async ({ body, authenticated, deps, requestId }) => {
  const params = parseInput(requestSchema, body);
  if (!authenticated) throw invalidClient('client_id is required for a public client');
  const { client } = authenticated;

  const outcome = await deps.db.transaction().execute(async (trx) => {
    const redemption = await redeemAuthorizationCode(trx, params.code);
    if (redemption.outcome === 'invalid') throw invalidGrant('the code is invalid or expired');
    const code = redemption.code;

    if (redemption.outcome === 'replayed') {
      // RFC 6749 §4.1.2: a reused code SHOULD revoke what it already issued. Committed, then refused.
      if (code.client_id === client.id) {
        await revokeGrant(trx, {
          grantId: code.grant_id,
          clientId: client.id,
          reason: 'authorization code replayed',
          accessTokenLifetimeSeconds: deps.config.tokens.accessTokenLifetimeSeconds,
        });
        await recordAudit(trx, { event: 'code.replayed', clientId: client.id, userId: code.user_id, requestId });
      }
      return { replayed: true as const };
    }

    if (code.client_id !== client.id) throw invalidGrant('the code was issued to another client');
    if (code.redirect_uri !== params.redirect_uri) throw invalidGrant('redirect_uri does not match the authorization request');
    if (!CODE_VERIFIER.test(params.code_verifier) || !verifierMatchesChallenge(params.code_verifier, code.code_challenge))
      throw invalidGrant('code_verifier does not match the code_challenge');

    const user = await currentGrantUser(trx, code.user_id);
    const context = code.context as LaunchContext;

    const response: TokenResponse = await issueTokens(trx, deps, {
      grantType: 'authorization_code',
      client,
      user,
      fhirUser: code.fhir_user ?? undefined,
      scope: code.scope,
      aud: code.aud,
      context,
      launchType: code.launch_type as 'ehr' | 'standalone',
      launchExtra: code.launch_extra,
      nonce: code.nonce,
      authTime: code.auth_time,
      grantId: code.grant_id,
      refresh: refreshTokenTerms(deps, client, code.scope, code.session_id_hash),
      requestId,
    });
    await recordAudit(trx, {
      event: 'code.redeemed',
      clientId: client.id,
      userId: user?.id ?? code.fhir_user,
      patient: context.patient,
      requestId,
      details: { scope: code.scope, refresh_token: response.refresh_token !== undefined },
    });
    return { replayed: false as const, response };
  });

  if (outcome.replayed) throw invalidGrant('the code has already been used; tokens issued with it are revoked');
  return outcome.response;
};
