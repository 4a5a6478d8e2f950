// The kit for FHIR servers we do not front: verify one of our access tokens and decide a FHIR
// request with the same rules our own FHIR API applies (src/fhir-access), in your server's process.
//
//   import { createSmartEnforcer } from 'smart-launch/src/kit/index.ts';
//   const enforcer = createSmartEnforcer({ issuer: 'https://auth.example.org', fhirBaseUrl: 'https://fhir.example.org/r4' });
//   const decision = await enforcer.decide(req.headers.authorization,
//     { interaction: 'search-type', resourceType: 'Observation', params: [['code', '8867-4']] });
//   if (!decision.allowed) return reply(decision.status, decision.wwwAuthenticate);
//   // run the search with decision.addToSearch ANDed on; return only resources matching decision.filter
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { decideAccess, patientCompartment, type AccessDecision, type AccessModel, type FhirAccessRequest } from '../fhir-access/index.ts';
import { loadFhirDefinitions } from '../fhir/definitions.ts';
import { parseScopes } from '../scopes/index.ts';

export type { AccessDecision, FhirAccessRequest, ResourceFilter, SearchParam } from '../fhir-access/index.ts';

export interface SmartEnforcerOptions {
  /** Our issuer (`iss` of every token), e.g. https://auth.example.org. */
  issuer: string;
  /** YOUR FHIR base, exactly as configured in our `extraAudiences` (the tokens' `aud`). */
  fhirBaseUrl: string;
  /**
   * `jwks` (default): verify signatures locally with `<issuer>/jwks`; a revoked token stays
   * valid until its `exp`. `introspection`: ask `<issuer>/introspect` on every call (a client
   * with the `introspector` role), so revocation and disabled users count at once.
   */
  verify?: { kind: 'jwks' } | { kind: 'introspection'; clientId: string; clientSecret: string };
  /**
   * Whose records a user with `user/` scopes may see, from their fhirUser (`Patient/1`,
   * `RelatedPerson/2`): ids, or undefined for anyone. Default: a Patient sees themselves, others anyone.
   */
  patientsVisibleTo?: (fhirUser: string) => Promise<string[] | undefined>;
}

export type EnforcerDecision =
  | AccessDecision
  | { allowed: false; status: 401; error: 'invalid_token'; reason: string };

/** Adds the RFC 6750 challenge a refusal should carry. */
export type WithChallenge<T> = T & { wwwAuthenticate?: string };

async function defaultVisible(fhirUser: string): Promise<string[] | undefined> {
  return fhirUser.startsWith('Patient/') ? [fhirUser.slice('Patient/'.length)] : undefined;
}

export function createSmartEnforcer(options: SmartEnforcerOptions) {
  const issuer = options.issuer.replace(/\/+$/, '');
  const fhirBase = options.fhirBaseUrl.replace(/\/+$/, '');
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const visible = options.patientsVisibleTo ?? defaultVisible;
  let model: AccessModel | undefined;

  async function claimsOf(token: string): Promise<JWTPayload | undefined> {
    const verify = options.verify ?? { kind: 'jwks' };
    if (verify.kind === 'jwks') {
      try {
        return (await jwtVerify(token, jwks, { issuer, audience: fhirBase, typ: 'at+jwt' })).payload;
      } catch {
        return undefined;
      }
    }
    const credentials = Buffer.from(`${encodeURIComponent(verify.clientId)}:${encodeURIComponent(verify.clientSecret)}`).toString('base64');
    const res = await fetch(`${issuer}/introspect`, {
      method: 'POST',
      headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    const body = (await res.json()) as JWTPayload & { active?: boolean };
    const audiences = [body.aud].flat();
    return res.ok && body.active === true && body.iss === issuer && audiences.includes(fhirBase) ? body : undefined;
  }

  return {
    /**
     * Verifies the `Authorization` header's bearer token and decides the request. A refusal
     * carries the status (401 invalid token, 403 insufficient scope, 400 unsupported search)
     * and the `WWW-Authenticate` value to send.
     */
    async decide(authorization: string | undefined, request: FhirAccessRequest): Promise<WithChallenge<EnforcerDecision>> {
      const token = /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      const claims = token ? await claimsOf(token) : undefined;
      const scopes = parseScopes(typeof claims?.scope === 'string' ? claims.scope : '');
      if (!claims || !scopes.ok) {
        const reason = token ? 'the access token is not active or not for this server' : 'an access token is required';
        return { allowed: false, status: 401, error: 'invalid_token', reason, wwwAuthenticate: `Bearer realm="${fhirBase}"${token ? ', error="invalid_token"' : ''}` };
      }
      const fhirUserClaim = typeof claims.fhirUser === 'string' ? claims.fhirUser : undefined;
      const fhirUser = fhirUserClaim?.match(/([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/)?.[1];
      const hasUserScopes = scopes.scopes.some((s) => s.kind === 'clinical' && s.context === 'user');
      model ??= patientCompartment(loadFhirDefinitions().compartment);
      const decision = decideAccess(
        {
          scopes: scopes.scopes,
          patient: typeof claims.patient === 'string' ? claims.patient : undefined,
          fhirUser,
          userPatients: hasUserScopes && fhirUser ? ((await visible(fhirUser)) ?? 'any') : hasUserScopes ? [] : 'any',
        },
        request,
        model,
      );
      if (decision.allowed || decision.status !== 403) return decision;
      return { ...decision, wwwAuthenticate: `Bearer realm="${fhirBase}", error="insufficient_scope"` };
    },
  };
}
