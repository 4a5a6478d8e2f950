import { z } from 'zod';
import type { AppDeps } from '../../deps.ts';
import { contextFromLaunch, type LaunchContext } from '../../context/index.ts';
import { defaultSmartStyleUrl } from '../../style/index.ts';
import { oauthParam, optionalParam, parseInput } from '../../http/validate.ts';
import { hasScope, parseScopes } from '../../scopes/index.ts';
import { findClient, type Client } from '../../store/clients.ts';
import { findLiveLaunch, type Launch } from '../../store/launches.ts';
import { OAuthError, invalidRequest } from '../errors.ts';
import { S256_CHALLENGE } from '../pkce.ts';

export interface AuthorizationRequest {
  client: Client;
  redirectUri: string;
  scope: string;
  state: string;
  aud: string;
  codeChallenge: string;
  nonce: string | undefined;
  launch: (Launch & { value: string }) | undefined;
  context: LaunchContext;
}

const MAX_STATE = 2048;

const clientParams = z.object({ client_id: oauthParam(), redirect_uri: oauthParam() });
const requestParams = z.object({
  response_type: oauthParam(),
  scope: oauthParam(),
  aud: oauthParam(),
  code_challenge: oauthParam(),
  code_challenge_method: oauthParam(),
  launch: optionalParam(),
  nonce: optionalParam(),
});

/**
 * Validates an authorization request (RFC 6749 §4.1.1, SMART app-launch).
 * Until client_id and redirect_uri are known good, errors are shown as a page
 * (never redirected: §4.1.2.1); after that they go back to the redirect_uri.
 */
export async function validateAuthorizationRequest(params: Record<string, unknown>, deps: AppDeps): Promise<AuthorizationRequest> {
  let ids: z.output<typeof clientParams>;
  try {
    ids = parseInput(clientParams, params);
  } catch (error) {
    throw (error as OAuthError).asPage();
  }
  const client = await findClient(deps.db, ids.client_id);
  if (!client || client.disabled)
    throw invalidRequest(`client_id "${ids.client_id}" is not ${client ? 'enabled' : 'registered'}: clients are registered in smart-config/clients.json`).asPage();
  if (!client.redirectUris.includes(ids.redirect_uri))
    throw invalidRequest(
      `redirect_uri "${ids.redirect_uri}" is not registered for client "${client.id}" (registered: ${client.redirectUris.join(', ') || 'none'}): ` +
        'add it to its redirectUris in smart-config/clients.json (exact match; "{issuer}" there stands for this service\'s URL)',
    ).asPage();

  // From here on the app is known: errors are redirected to it, with its state.
  const state = typeof params.state === 'string' && params.state.length > 0 ? params.state : undefined;
  // An over-long state is refused, not echoed: it would only bloat the Location header.
  const back = (error: OAuthError) => error.redirectTo(ids.redirect_uri, state && state.length <= MAX_STATE ? state : undefined);
  try {
    if (state === undefined) throw invalidRequest('state is required');
    if (state.length > MAX_STATE) throw invalidRequest('state is too long');
    const p = parseInput(requestParams, params);
    if (p.response_type !== 'code') throw new OAuthError('unsupported_response_type', 'response_type must be "code"');
    if (!client.grantTypes.includes('authorization_code'))
      throw new OAuthError('unauthorized_client', 'this client may not use the authorization code flow');
    // SMART 2.x: PKCE with S256 is required; "plain" is refused.
    if (p.code_challenge_method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
    if (!S256_CHALLENGE.test(p.code_challenge)) throw invalidRequest('code_challenge must be 43 base64url characters (S256)');
    // SMART 2.x: aud names the FHIR server the token is for; only the ones we serve.
    const aud = p.aud.replace(/\/+$/, '');
    if (!deps.config.audiences.includes(aud)) throw invalidRequest(
        `aud "${p.aud}" is not a FHIR server this service issues tokens for (${deps.config.audiences.join(', ')}): ` +
          'see FHIR_BASE_URL, and extraAudiences in smart-config/server.json',
      );

    const parsed = parseScopes(p.scope);
    if (!parsed.ok) throw new OAuthError('invalid_scope', parsed.error);

    let launch: AuthorizationRequest['launch'];
    let context: LaunchContext = {};
    if (p.launch !== undefined) {
      const found = await findLiveLaunch(deps.db, p.launch);
      if (!found || (found.forClient !== null && found.forClient !== client.id))
        throw invalidRequest('launch is unknown, expired, cancelled or not for this app');
      if (!hasScope(parsed.scopes, 'launch')) throw new OAuthError('invalid_scope', 'an EHR launch needs the "launch" scope');
      launch = { ...found, value: p.launch };
      context = contextFromLaunch(found, defaultSmartStyleUrl(deps.config));
    } else if (hasScope(parsed.scopes, 'launch')) {
      throw new OAuthError('invalid_scope', 'the "launch" scope needs a launch parameter (EHR launch)');
    }

    return {
      client,
      redirectUri: ids.redirect_uri,
      scope: p.scope,
      state,
      aud,
      codeChallenge: p.code_challenge,
      nonce: p.nonce,
      launch,
      context,
    };
  } catch (error) {
    if (error instanceof OAuthError) throw back(error);
    throw error;
  }
}
