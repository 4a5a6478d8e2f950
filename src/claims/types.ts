/** The grants that issue tokens, and so run claim rules and the issue-tokens hook. */
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** SMART App Launch 2.x: an EHR launch carries a `launch` parameter; a standalone launch does not. */
export type LaunchType = 'ehr' | 'standalone';

/** The four places a rule can add claims to. */
export type ClaimTarget = 'accessToken' | 'idToken' | 'userinfo' | 'tokenResponse';
export const CLAIM_TARGETS: readonly ClaimTarget[] = ['accessToken', 'idToken', 'userinfo', 'tokenResponse'];

/** A claim value as written in claims.json: JSON without null. */
export type ClaimValue = string | number | boolean | ClaimValue[] | { [name: string]: ClaimValue };
export type ClaimMap = Record<string, ClaimValue>;

/**
 * Everything a claim template can read. Refresh grants pass the same inputs as the original grant.
 *
 * @example
 *   const input: ClaimInput = {
 *     grant: { type: 'authorization_code', scope: 'launch openid fhirUser patient/*.rs' },
 *     audience: 'http://localhost:3000/fhir',
 *     launchType: 'ehr',
 *     client: { id: 'growth-chart', name: 'Growth Chart', metadata: {} },
 *     user: { id: 'u1', fhirUser: 'Practitioner/p1', attributes: { roles: ['physician'] } },
 *     context: { patient: 'p123' },
 *     launch: { extra: { tenant: 'north' } },
 *   };
 */
export interface ClaimInput {
  /** `scope` is the granted scope string (space separated). */
  grant: { type: GrantType; scope: string };
  /** The token's `aud` (a FHIR base URL). */
  audience: string;
  /** Undefined for client_credentials. */
  launchType?: LaunchType;
  client: { id: string; name: string; metadata: Record<string, unknown> };
  user?: { id: string; fhirUser?: string; attributes: Record<string, unknown> };
  /** patient, encounter, fhirContext, need_patient_banner, smart_style_url, intent, tenant. */
  context: Record<string, unknown>;
  launch?: { extra: Record<string, unknown> };
}

/** Custom claims per target. Plain objects; never hold `undefined`, `null` or a `__proto__` key. */
export interface ClaimSet {
  accessToken: Record<string, unknown>;
  idToken: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  tokenResponse: Record<string, unknown>;
}
