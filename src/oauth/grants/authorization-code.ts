import { z } from 'zod';
import { oauthParam, parseInput } from '../../http/validate.ts';
import { recordAudit, recordGrantAudit } from '../../store/audit.ts';
import { redeemAuthorizationCode } from '../../store/codes.ts';
import { revokeGrant } from '../../store/grants.ts';
import { invalidClient, invalidGrant } from '../errors.ts';
import { issueTokens } from '../issue.ts';
import { CODE_VERIFIER, verifierMatchesChallenge } from '../pkce.ts';
import type { GrantHandler } from '../token.ts';
import { refreshExpiry } from './refresh-terms.ts';

const requestSchema = z.object({
  code: oauthParam(),
  redirect_uri: oauthParam(),
  code_verifier: oauthParam(),
});

/**
 * grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636, SMART app-launch
 * "Obtain access token"). One transaction: consume the code (which reads its
 * grant), check it, issue, audit.
 */
export const authorizationCodeGrant: GrantHandler = async ({ body, authenticated, deps, requestId }) => {
  const params = parseInput(requestSchema, body);
  if (!authenticated) throw invalidClient('client_id is required for a public client');
  const { client } = authenticated;

  const outcome = await deps.db.transaction().execute(async (trx) => {
    const redemption = await redeemAuthorizationCode(trx, params.code);
    if (redemption.outcome === 'invalid') throw invalidGrant('the code is invalid or expired');
    const { grant } = redemption;

    if (redemption.outcome === 'replayed') {
      // RFC 6749 §4.1.2: a reused code SHOULD revoke what it already issued. Committed, then refused.
      if (grant.clientId === client.id) {
        await revokeGrant(trx, grant.id, 'authorization code replayed');
        await recordAudit(trx, { event: 'code.replayed', clientId: client.id, userId: grant.userId, requestId });
      }
      return { replayed: true as const };
    }

    const { code } = redemption;
    if (grant.clientId !== client.id) throw invalidGrant('the code was issued to another client');
    if (code.redirectUri !== params.redirect_uri) throw invalidGrant('redirect_uri does not match the authorization request');
    if (!CODE_VERIFIER.test(params.code_verifier) || !verifierMatchesChallenge(params.code_verifier, code.codeChallenge))
      throw invalidGrant('code_verifier does not match the code_challenge');

    const response = await issueTokens(trx, deps, grant, 'authorization_code', {
      client,
      nonce: code.nonce,
      refreshExpiresAt: refreshExpiry(deps, client, grant),
    });
    await recordGrantAudit(trx, grant, {
      event: 'code.redeemed',
      clientId: client.id,
      requestId,
      details: { scope: grant.scope, refresh_token: response.refresh_token !== undefined },
    });
    return { replayed: false as const, response };
  });

  if (outcome.replayed) throw invalidGrant('the code has already been used; tokens issued with it are revoked');
  return outcome.response;
};
