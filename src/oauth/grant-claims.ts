import type { AppDeps } from '../deps.ts';
import { evaluateClaimRules, runIssueHook, type ClaimInput, type ClaimSet, type GrantType } from '../claims/index.ts';
import { scopeList } from '../scopes/index.ts';
import type { Client } from '../store/clients.ts';
import type { Grant } from '../store/grants.ts';
import type { User } from '../store/users.ts';
import { GrantDenied, InvalidRequest, ServerError } from './errors.ts';

/** The token's `sub`: the local user's id, else the fhirUser the EHR vouched for, else (backend services) the client id. */
export function subjectOf(grant: Pick<Grant, 'userId' | 'fhirUser' | 'clientId'>): string {
  return grant.userId ?? grant.fhirUser ?? grant.clientId;
}

/** One issuance under a grant, as the claim rules see it. */
export interface ClaimSubjects {
  grant: Grant;
  grantType: GrantType;
  client: Client;
  /** The grant's local user as they are now (current attributes). */
  user: User | undefined;
  /** The access token's scope: the grant's, or narrower on refresh. */
  scope: string;
}

/** What the claim rules see of a grant (DESIGN.md "Claim rules"): the same on issue, refresh and userinfo. */
export function claimInputFor({ grant, grantType, client, user, scope }: ClaimSubjects): ClaimInput {
  const subject = user || grant.fhirUser
    ? { id: subjectOf(grant), ...(grant.fhirUser ? { fhirUser: grant.fhirUser } : {}), attributes: user?.attributes ?? {} }
    : undefined;
  return {
    grant: { type: grantType, scope },
    audience: grant.aud,
    ...(grant.launchType ? { launchType: grant.launchType } : {}),
    client: { id: client.id, name: client.name, metadata: client.metadata },
    ...(subject ? { user: subject } : {}),
    context: { ...grant.context },
    launch: { extra: grant.launchExtra },
  };
}

/** Claim rules, then the code hook (if configured), for this issuance. */
export async function customClaims(deps: AppDeps, subjects: ClaimSubjects): Promise<ClaimSet> {
  const input = claimInputFor(subjects);
  const claims = evaluateClaimRules(deps.config.claimRules, input);
  if (!deps.hook) return claims;

  const { client } = subjects;
  const result = await runIssueHook(
    deps.hook,
    {
      client: input.client,
      ...(input.user ? { user: input.user } : {}),
      grant: input.grant,
      scopes: scopeList(subjects.scope),
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
      throw new GrantDenied(result.reason);
    case 'guard_violation':
      deps.logger.warn({ client: client.id, reason: result.reason }, 'issue hook tried to set a reserved name');
      throw new InvalidRequest('the request was refused by a server policy');
    case 'failed':
      deps.logger.error({ client: client.id, reason: result.reason }, 'issue hook failed');
      throw new IssueHookFailed(result.reason, client.id, subjects.user?.id);
  }
}

/**
 * The issue hook threw or ran too long: server_error to the client. The token
 * endpoint audits it (`hook.failed`) once the grant's transaction has rolled back.
 */
export class IssueHookFailed extends ServerError {
  constructor(
    readonly reason: string,
    readonly clientId: string,
    readonly userId: string | undefined,
  ) {
    super('the server could not issue tokens');
  }
}
