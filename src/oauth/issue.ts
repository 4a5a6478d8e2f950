import type { AppDeps } from '../deps.ts';
import { mergeCustomClaims, type GrantType } from '../claims/index.ts';
import { accessTokenContextClaims, tokenResponseContext } from '../context/index.ts';
import type { Db } from '../db/index.ts';
import { scopeSet } from '../scopes/index.ts';
import type { Client } from '../store/clients.ts';
import { touchGrant, type Grant } from '../store/grants.ts';
import { insertRefreshToken } from '../store/refresh-tokens.ts';
import { signAccessToken } from '../tokens/access-token.ts';
import { signJwt } from '../tokens/jwt.ts';
import { randomToken } from '../tokens/secrets.ts';
import { serverError } from './errors.ts';
import { customClaims, subjectOf } from './grant-claims.ts';
import { currentGrantUser } from './grants/grant-user.ts';

/** What one issuance adds to its grant. */
export interface IssueOptions {
  /** The grant's client, authenticated (or identified, for a public client). */
  client: Client;
  /** This access token's scope when narrower than the grant's (refresh with `scope`). */
  scope?: string | undefined;
  /** The authorization request's nonce (authorization_code only). */
  nonce?: string | null | undefined;
  /** Issue a refresh token of this grant, expiring then. */
  refreshExpiresAt?: Date | undefined;
}

export type TokenResponse = Record<string, unknown> & {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
};

/**
 * Issues the access token (and id_token, refresh token) under a grant and
 * builds the SMART token response. The grant's user is read again, so the
 * claim rules see current attributes and a disabled user ends the grant. Runs
 * inside the grant's transaction (`db`), so a failure leaves nothing half-written.
 */
export async function issueTokens(
  db: Db,
  deps: AppDeps,
  grant: Grant,
  grantType: GrantType,
  options: IssueOptions,
): Promise<TokenResponse> {
  const { config, keys } = deps;
  const { client } = options;
  const scope = options.scope ?? grant.scope;
  const granted = scopeSet(scope);
  const now = Math.floor(Date.now() / 1000);
  const lifetime =
    grantType === 'client_credentials' ? config.tokens.backendAccessTokenLifetimeSeconds : config.tokens.accessTokenLifetimeSeconds;

  const user = await currentGrantUser(db, grant.userId);
  const subject = subjectOf(grant);
  const custom = await customClaims(deps, { grant, grantType, client, user, scope });
  const fhirUserUrl = granted.has('fhirUser') && grant.fhirUser ? `${config.fhirBaseUrl}/${grant.fhirUser}` : undefined;

  const accessClaims = mergeCustomClaims(
    {
      iss: config.issuer,
      sub: subject,
      aud: grant.aud,
      client_id: client.id,
      scope,
      jti: `${grant.id}.${randomToken().slice(0, 16)}`,
      iat: now,
      exp: now + lifetime,
      ...accessTokenContextClaims(grant.context),
      ...(fhirUserUrl ? { fhirUser: fhirUserUrl } : {}),
    },
    custom.accessToken,
  );
  const accessToken = signAccessToken(keys.accessToken, accessClaims);
  if (Buffer.byteLength(accessToken) > config.tokens.maxAccessTokenBytes) {
    deps.logger.error(
      { client: client.id, bytes: Buffer.byteLength(accessToken), limit: config.tokens.maxAccessTokenBytes },
      'access token exceeds tokens.maxAccessTokenBytes: check the claim rules adding large values',
    );
    throw serverError('the access token would exceed the configured size limit');
  }

  const response: TokenResponse = { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime, scope };

  if (granted.has('openid') && grantType !== 'client_credentials') {
    const idClaims = mergeCustomClaims(
      {
        iss: config.issuer,
        sub: subject,
        aud: client.id,
        iat: now,
        exp: now + config.tokens.idTokenLifetimeSeconds,
        ...(grant.authTime ? { auth_time: Math.floor(grant.authTime.getTime() / 1000) } : {}),
        ...(options.nonce ? { nonce: options.nonce } : {}),
        ...(fhirUserUrl ? { fhirUser: fhirUserUrl } : {}),
      },
      custom.idToken,
    );
    response.id_token = await signJwt(keys.idToken, idClaims, 'JWT');
  }

  if (options.refreshExpiresAt) response.refresh_token = await insertRefreshToken(db, grant.id, options.refreshExpiresAt);
  // client_credentials writes its new grant together with the assertion's jti (one statement).
  if (grantType !== 'client_credentials') await touchGrant(db, grant.id);

  // Context members come from the launch; rules may add fields but never override these or the standard ones.
  return mergeCustomClaims({ ...response, ...tokenResponseContext(grant.context) }, custom.tokenResponse) as TokenResponse;
}
