import type { AppDeps } from '../app.ts';
import { evaluateClaimRules, mergeCustomClaims, runIssueHook, type ClaimInput, type GrantType } from '../claims/index.ts';
import { accessTokenContextClaims, tokenResponseContext, type LaunchContext } from '../context/index.ts';
import type { Db } from '../db/index.ts';
import type { AuditEvent } from '../store/audit.ts';
import type { Client } from '../store/clients.ts';
import { insertRefreshToken } from '../store/refresh-tokens.ts';
import type { User } from '../store/users.ts';
import { signAccessToken } from '../tokens/access-token.ts';
import { signJwt } from '../tokens/jwt.ts';
import { randomToken } from '../tokens/secrets.ts';
import { OAuthError, serverError } from './errors.ts';

/** Everything a grant has established, from which tokens are issued. */
export interface IssueRequest {
  grantType: GrantType;
  client: Client;
  /** The signed-in user, when there is a local account. */
  user: User | undefined;
  /** The user's FHIR identity (`Practitioner/123`), from the account or vouched for by the EHR. */
  fhirUser: string | undefined;
  /** The granted scope string. */
  scope: string;
  aud: string;
  context: LaunchContext;
  launchType: 'ehr' | 'standalone' | undefined;
  launchExtra: Record<string, unknown>;
  nonce?: string | null | undefined;
  authTime?: Date | null | undefined;
  /** The authorization this belongs to; every token of one grant shares it (revocation, refresh families). */
  grantId: string;
  refresh?: { accessType: 'offline' | 'online'; sessionIdHash: string | null; expiresAt: Date } | undefined;
  requestId?: string | undefined;
}

export type TokenResponse = Record<string, unknown> & {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
};

/**
 * Issues the access token (and id_token, refresh token) for a grant and builds
 * the SMART token response. Runs inside the grant's transaction (`db`), so a
 * failure here leaves nothing half-written.
 */
export async function issueTokens(db: Db, deps: AppDeps, request: IssueRequest): Promise<TokenResponse> {
  const { config, keys } = deps;
  const granted = new Set(request.scope.split(' ').filter(Boolean));
  const now = Math.floor(Date.now() / 1000);
  const lifetime =
    request.grantType === 'client_credentials'
      ? config.tokens.backendAccessTokenLifetimeSeconds
      : config.tokens.accessTokenLifetimeSeconds;

  const subject = subjectOf(request);
  const custom = await customClaims(deps, request);
  const fhirUserUrl =
    granted.has('fhirUser') && request.fhirUser ? `${config.fhirBaseUrl}/${request.fhirUser}` : undefined;

  const accessClaims = mergeCustomClaims(
    {
      iss: config.issuer,
      sub: subject,
      aud: request.aud,
      client_id: request.client.id,
      scope: request.scope,
      jti: `${request.grantId}.${randomToken().slice(0, 16)}`,
      iat: now,
      exp: now + lifetime,
      ...accessTokenContextClaims(request.context),
      ...(fhirUserUrl ? { fhirUser: fhirUserUrl } : {}),
    },
    custom.accessToken,
  );
  const accessToken = signAccessToken(keys.accessToken, accessClaims);
  if (Buffer.byteLength(accessToken) > config.tokens.maxAccessTokenBytes) {
    deps.logger.error(
      { client: request.client.id, bytes: Buffer.byteLength(accessToken), limit: config.tokens.maxAccessTokenBytes },
      'access token exceeds tokens.maxAccessTokenBytes: check the claim rules adding large values',
    );
    throw serverError('the access token would exceed the configured size limit');
  }

  const response: TokenResponse = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: lifetime,
    scope: request.scope,
  };

  if (granted.has('openid') && request.grantType !== 'client_credentials') {
    const idClaims = mergeCustomClaims(
      {
        iss: config.issuer,
        sub: subject,
        aud: request.client.id,
        iat: now,
        exp: now + config.tokens.idTokenLifetimeSeconds,
        ...(request.authTime ? { auth_time: Math.floor(request.authTime.getTime() / 1000) } : {}),
        ...(request.nonce ? { nonce: request.nonce } : {}),
        ...(fhirUserUrl ? { fhirUser: fhirUserUrl } : {}),
      },
      custom.idToken,
    );
    response.id_token = await signJwt(keys.idToken, idClaims, 'JWT');
  }

  if (request.refresh) {
    response.refresh_token = await insertRefreshToken(db, {
      family_id: request.grantId,
      client_id: request.client.id,
      user_id: request.user?.id ?? null,
      fhir_user: request.fhirUser ?? null,
      session_id_hash: request.refresh.sessionIdHash,
      access_type: request.refresh.accessType,
      scope: request.scope,
      aud: request.aud,
      context: JSON.stringify(request.context),
      launch_type: request.launchType ?? 'ehr',
      launch_extra: JSON.stringify(request.launchExtra),
      auth_time: request.authTime ?? null,
      expires_at: request.refresh.expiresAt,
    });
  }

  // Context members come from the launch; rules may add fields but never override these or the standard ones.
  return mergeCustomClaims({ ...response, ...tokenResponseContext(request.context) }, custom.tokenResponse) as TokenResponse;
}

/** The token's `sub`: the local user's id, else the fhirUser the EHR vouched for, else (backend services) the client id. */
export function subjectOf(request: Pick<IssueRequest, 'user' | 'fhirUser' | 'client'>): string {
  return request.user?.id ?? request.fhirUser ?? request.client.id;
}

/** What the claim rules see of a grant (DESIGN.md "Claim rules"): the same on issue, refresh and userinfo. */
export function claimInputFor(
  request: Pick<IssueRequest, 'grantType' | 'scope' | 'aud' | 'launchType' | 'client' | 'user' | 'fhirUser' | 'context' | 'launchExtra'>,
): ClaimInput {
  const user = request.user || request.fhirUser
    ? {
        id: subjectOf(request),
        ...(request.fhirUser ? { fhirUser: request.fhirUser } : {}),
        attributes: request.user?.attributes ?? {},
      }
    : undefined;
  return {
    grant: { type: request.grantType, scope: request.scope },
    audience: request.aud,
    ...(request.launchType ? { launchType: request.launchType } : {}),
    client: { id: request.client.id, name: request.client.name, metadata: request.client.metadata },
    ...(user ? { user } : {}),
    context: { ...request.context },
    launch: { extra: request.launchExtra },
  };
}

/** Claim rules, then the code hook (if configured), for this grant. */
async function customClaims(deps: AppDeps, request: IssueRequest) {
  const input = claimInputFor(request);
  const claims = evaluateClaimRules(deps.config.claimRules, input);
  if (!deps.hook) return claims;

  const result = await runIssueHook(
    deps.hook,
    {
      client: input.client,
      ...(input.user ? { user: input.user } : {}),
      grant: input.grant,
      scopes: request.scope.split(' ').filter(Boolean),
      context: input.context,
      audience: input.audience,
      ...(input.launchType ? { launchType: input.launchType } : {}),
    },
    { timeoutMs: deps.config.hooks!.timeoutMs },
  );
  switch (result.outcome) {
    case 'ok':
      return {
        accessToken: { ...claims.accessToken, ...result.claims.accessToken },
        idToken: { ...claims.idToken, ...result.claims.idToken },
        userinfo: claims.userinfo,
        tokenResponse: { ...claims.tokenResponse, ...result.claims.tokenResponse },
      };
    case 'denied':
      throw new OAuthError('access_denied', result.reason, { status: 400 });
    case 'guard_violation':
      deps.logger.warn({ client: request.client.id, reason: result.reason }, 'issue hook tried to set a reserved name');
      throw new OAuthError('invalid_request', 'the request was refused by a server policy');
    case 'failed':
      deps.logger.error({ client: request.client.id, reason: result.reason }, 'issue hook failed');
      // Audited by the token endpoint once the grant's transaction has rolled back.
      throw Object.assign(serverError('the server could not issue tokens'), {
        audit: {
          event: 'hook.failed',
          clientId: request.client.id,
          userId: request.user?.id,
          requestId: request.requestId,
          details: { reason: result.reason, grant: request.grantType },
        } satisfies AuditEvent,
      });
  }
}
