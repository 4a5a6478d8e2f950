import { z } from 'zod';
import { oauthParam, parseInput } from '../../http/validate.ts';
import { negotiateScopes } from '../../scopes/index.ts';
import { newGrant } from '../../store/grants.ts';
import { spendWithBackendGrant } from '../client-auth/assertion-replay.ts';
import { invalidClient, invalidScope } from '../errors.ts';
import { issueTokens } from '../issue.ts';
import type { GrantHandler } from '../token.ts';

const requestSchema = z.object({ scope: oauthParam() });

/**
 * grant_type=client_credentials: SMART Backend Services (backend-services.md,
 * RFC 6749 §4.4). Only private_key_jwt authenticates; the grant is the
 * requested `system/` scopes narrowed to what the client is registered for.
 * Requested scopes a backend service cannot hold (`patient/`, `user/`,
 * launch, identity, offline access) are dropped, as any scope the client may
 * not have: the response's `scope` states the real grant. Nothing left is
 * invalid_scope. No user, no launch context, no refresh token, no id_token;
 * the token's `sub` is the client id.
 */
export const clientCredentialsGrant: GrantHandler = async ({ body, authenticated, deps, requestId }) => {
  if (authenticated?.method !== 'private_key_jwt' || !authenticated.assertion)
    throw invalidClient('client_credentials requires private_key_jwt client authentication (a signed client_assertion)');
  const { client, assertion } = authenticated;
  const params = parseInput(requestSchema, body);

  const negotiated = negotiateScopes({ requested: params.scope, clientAllowed: client.scope, grantType: 'client_credentials' });
  if (!negotiated.ok) throw invalidScope(negotiated.error);
  if (negotiated.scope === '') throw invalidScope('none of the requested scopes is a system/ scope this client may have');

  const grant = newGrant({
    clientId: client.id,
    userId: null,
    fhirUser: null,
    scope: negotiated.scope,
    aud: deps.config.fhirBaseUrl,
    context: {},
    launchType: null,
    launchExtra: {},
    accessType: null,
    authTime: null,
    sessionIdHash: null,
  });
  // issueTokens writes nothing for this grant (no refresh token). The grant's one
  // write, after signing: the assertion's jti, the grant and the audit row, in one statement.
  const response = await issueTokens(deps.db, deps, grant, 'client_credentials', { client });
  await spendWithBackendGrant(deps, client, assertion, grant, {
    event: 'token.issued',
    clientId: client.id,
    requestId,
    details: { grant: 'client_credentials', scope: negotiated.scope, grant_id: grant.id },
  });
  return response;
};
