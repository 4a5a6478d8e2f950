// The parsed shapes of SMART App Launch 2.x scopes (scopes-and-launch-context).

export type ScopeContext = 'patient' | 'user' | 'system';

/** One `name=value` constraint of a granular scope, percent-decoded. */
export type QueryParam = readonly [name: string, value: string];

/** `<context>/<resource>.<permissions>[?<query>]`, e.g. `patient/Observation.rs`. */
export interface ClinicalScope {
  kind: 'clinical';
  context: ScopeContext;
  /** A FHIR R4 resource type, or `*`. */
  resourceType: string;
  /** Canonical v2 letters in c-r-u-d-s order: v1 `read` is stored as `rs`. */
  permissions: string;
  /** How the app spelled the permissions; v1 scopes are returned in v1 when expressible. */
  syntax: 'v1' | 'v2';
  /** Granular constraints, decoded, in the order given; empty for a plain scope. */
  query: ReadonlyArray<QueryParam>;
  /** The token as received. */
  raw: string;
}

/** `launch`, `launch/patient`, `launch/encounter`, `launch/<lowercase type>[?role=<uri>]`. */
export interface LaunchScope {
  kind: 'launch';
  /** The lower-case name after `launch/`; absent for the EHR-launch scope `launch`. */
  context?: string;
  /** The FHIR resource type `context` names, when it names one (`diagnosticreport` -> `DiagnosticReport`). */
  resourceType?: string;
  /** The decoded `?role=` value (SMART 2.2), when present. */
  role?: string;
  raw: string;
}

/** OpenID Connect scopes SMART uses: `openid`, `fhirUser`, `profile`. */
export interface IdentityScope {
  kind: 'identity';
  name: 'openid' | 'fhirUser' | 'profile';
  raw: string;
}

/** Refresh-token scopes: `offline_access`, `online_access`. */
export interface AccessScope {
  kind: 'access';
  name: 'offline_access' | 'online_access';
  raw: string;
}

/** Any other well-formed token; servers may define their own (e.g. `__darkMode`, a full URI). */
export interface OtherScope {
  kind: 'other';
  raw: string;
}

export type Scope = ClinicalScope | LaunchScope | IdentityScope | AccessScope | OtherScope;

export type ParseResult = { ok: true; scope: Scope } | { ok: false; error: string };
export type ParseManyResult = { ok: true; scopes: Scope[] } | { ok: false; error: string };
export type GrantResult = { ok: true; granted: Scope[]; scope: string } | { ok: false; error: string };

export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';
