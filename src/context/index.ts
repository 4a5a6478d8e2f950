/**
 * The SMART launch context: what the token response carries at the top level
 * (SMART App Launch 2.2, scopes-and-launch-context) and what the access token
 * carries as bare claims. Pure: no HTTP, no SQL.
 */

/** SMART 2.2 fhirContext item: at least one of reference, canonical or identifier. */
export interface FhirContextItem {
  reference?: string;
  canonical?: string;
  identifier?: fhir4.Identifier;
  type?: string;
  role?: string;
}

export interface LaunchContext {
  patient?: string;
  encounter?: string;
  fhirContext?: FhirContextItem[];
  need_patient_banner?: boolean;
  smart_style_url?: string;
  intent?: string;
  tenant?: string;
}

/** The names the service fills from the launch context, in the order they appear in a token response. */
export const CONTEXT_FIELDS = [
  'patient',
  'encounter',
  'fhirContext',
  'need_patient_banner',
  'smart_style_url',
  'intent',
  'tenant',
] as const satisfies readonly (keyof LaunchContext)[];

/** What an EHR registered with POST /launches, as the context module needs it. */
export interface RegisteredLaunch {
  patient: string | null;
  encounter: string | null;
  fhirContext: FhirContextItem[] | null;
  needPatientBanner: boolean;
  smartStyleUrl: string | null;
  intent: string | null;
  tenant: string | null;
}

/**
 * EHR launch: the context is what the EHR registered (launch/* scopes are only
 * hints here); a launch without its own style gets `defaultStyleUrl`.
 */
export function contextFromLaunch(launch: RegisteredLaunch, defaultStyleUrl?: string): LaunchContext {
  return compact({
    patient: launch.patient ?? undefined,
    encounter: launch.encounter ?? undefined,
    fhirContext: launch.fhirContext?.length ? launch.fhirContext : undefined,
    need_patient_banner: launch.needPatientBanner,
    smart_style_url: launch.smartStyleUrl ?? defaultStyleUrl,
    intent: launch.intent ?? undefined,
    tenant: launch.tenant ?? undefined,
  });
}

/**
 * Standalone launch: the context is what the user picked (or is, for a patient
 * user). The app runs outside any EHR screen, so it shows its own banner
 * (unless `standalone.needPatientBanner` says otherwise) and gets the default style.
 */
export function standaloneContext(
  choice: { patient?: string; encounter?: string },
  needPatientBanner: boolean,
  defaultStyleUrl?: string,
): LaunchContext {
  return compact({ patient: choice.patient, encounter: choice.encounter, need_patient_banner: needPatientBanner, smart_style_url: defaultStyleUrl });
}

/** The launch-context members of a token response: only those present. */
export function tokenResponseContext(context: LaunchContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of CONTEXT_FIELDS) if (context[field] !== undefined) out[field] = context[field];
  return out;
}

/** Bare claims for the access token, as FHIR servers expect them: `patient`, `encounter`. */
export function accessTokenContextClaims(context: LaunchContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (context.patient) out.patient = context.patient;
  if (context.encounter) out.encounter = context.encounter;
  return out;
}

/** Strips a `Type/` prefix: SMART context values are bare ids (`patient: "123"`). */
export function bareId(reference: string, type: string): string {
  return reference.startsWith(`${type}/`) ? reference.slice(type.length + 1) : reference;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
