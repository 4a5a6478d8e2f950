// The token check at the FHIR API's edge (RFC 6750): a Bearer access token we issued, verified as
// introspection verifies it (signature, expiry, revoked grant or token, disabled client or user:
// oauth/introspect.ts activeAccessToken), for THIS FHIR base (`aud`).
import type { Request } from 'express';
import type { AppDeps } from '../deps.ts';
import type { AccessToken } from '../fhir-access/index.ts';
import { parseReference, patientsVisibleTo } from '../fhir/index.ts';
import { activeAccessToken } from '../oauth/introspect.ts';
import { parseScopes } from '../scopes/index.ts';
import { findUser } from '../store/users.ts';
import { FhirApiError } from './outcome.ts';

/** Who is calling, for the rules and for the audit. */
export interface Caller {
  token: AccessToken;
  clientId: string;
  subject: string;
  patient: string | undefined;
}

const challenge = (realm: string, error?: { code: string; description: string }) =>
  `Bearer realm="${realm}"${error ? `, error="${error.code}", error_description="${error.description}"` : ''}`;

function unauthorized(realm: string, description?: string): FhirApiError {
  const header = challenge(realm, description ? { code: 'invalid_token', description } : undefined);
  return new FhirApiError(401, description ? 'security' : 'login', description ?? 'an access token is required (Authorization: Bearer)', {
    'WWW-Authenticate': header,
  });
}

export function insufficientScope(realm: string, description: string): FhirApiError {
  return new FhirApiError(403, 'forbidden', description, {
    'WWW-Authenticate': challenge(realm, { code: 'insufficient_scope', description }),
  });
}

const audiences = (aud: unknown): unknown[] => (Array.isArray(aud) ? aud : [aud]);

/** The fhirUser claim is an absolute URL on our base; the rules compare relative references. */
function relativeFhirUser(claim: unknown, fhirBaseUrl: string): string | undefined {
  if (typeof claim !== 'string') return undefined;
  const relative = claim.startsWith(`${fhirBaseUrl}/`) ? claim.slice(fhirBaseUrl.length + 1) : claim;
  return parseReference(relative) ? relative : undefined;
}

/**
 * The user's FHIR identity for `user/` scopes: the token's fhirUser, else the EHR-vouched
 * fhirUser the subject is, else the local user's configured record. None: sees no patient.
 */
async function userPatients(deps: AppDeps, subject: string, fhirUser: string | undefined): Promise<AccessToken['userPatients']> {
  const identity = fhirUser ?? (parseReference(subject) ? subject : (await findUser(deps.db, subject))?.fhirUser ?? undefined);
  if (!identity) return [];
  return (await patientsVisibleTo(deps.fhir, identity)) ?? 'any';
}

export async function authenticateCaller(req: Request, deps: AppDeps): Promise<Caller> {
  const realm = deps.config.fhirBaseUrl;
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !/^bearer\s/i.test(header)) throw unauthorized(realm);
  const active = await activeAccessToken(deps, header.slice(7).trim());
  if (!active) throw unauthorized(realm, 'the access token is not active (expired, revoked, or not ours)');
  const { claims } = active;
  // A token for an extraAudiences server is for that server only (RFC 8707 / RFC 9068 aud).
  if (!audiences(claims.aud).includes(deps.config.fhirBaseUrl)) throw unauthorized(realm, 'the access token was issued for another audience');
  const parsed = parseScopes(typeof claims.scope === 'string' ? claims.scope : '');
  if (!parsed.ok) throw unauthorized(realm, 'the access token carries a malformed scope');
  const fhirUser = relativeFhirUser(claims.fhirUser, deps.config.fhirBaseUrl);
  const patient = typeof claims.patient === 'string' ? claims.patient : undefined;
  const hasUserScopes = parsed.scopes.some((s) => s.kind === 'clinical' && s.context === 'user');
  return {
    token: {
      scopes: parsed.scopes,
      patient,
      fhirUser,
      userPatients: hasUserScopes ? await userPatients(deps, claims.sub, fhirUser) : [],
    },
    clientId: claims.client_id,
    subject: claims.sub,
    patient,
  };
}
