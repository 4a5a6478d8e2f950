import { z } from 'zod';
import { SIMULATED_ERRORS, type SimulatedError } from '../../sandbox/simulated-errors.ts';

/** What the launcher form sends. Everything is text; empty means "not given". */
export const launchFormSchema = z.object({
  client_id: z.string().max(128).default(''),
  adhoc_client_id: z.string().trim().max(128).default(''),
  adhoc_launch_uri: z.string().trim().max(2000).default(''),
  adhoc_redirect_uris: z.string().max(8000).default(''),
  patient: z.string().max(80).default(''),
  encounter: z.string().max(80).default(''),
  scope: z.string().trim().max(2000).default(''),
  fhir_context: z.string().trim().max(8000).default(''),
  intent: z.string().trim().max(200).default(''),
  smart_style_url: z.string().trim().max(2000).default(''),
  tenant: z.string().trim().max(200).default(''),
  need_patient_banner: z.string().max(10).optional(),
  extra: z.string().trim().max(8000).default(''),
  simulate: z.string().max(40).default(''),
  open_in: z.enum(['frame', 'window']).default('frame'),
});

export type LaunchForm = z.output<typeof launchFormSchema>;

export const ADHOC = '(ad-hoc)';

/** The form as first shown: the README's patient, the banner on, opened in the EHR frame. */
export function defaultForm(clientId: string): LaunchForm {
  return { ...launchFormSchema.parse({}), client_id: clientId, patient: 'p001', need_patient_banner: 'true' };
}

/** A mistake in the form: shown above the form, with every choice kept. */
export class FormProblem extends Error {}

const optional = (value: string) => (value === '' ? undefined : value);

/**
 * The registration the launcher sends to registerLaunch (the body of POST /launches),
 * from the form. fhirContext is a JSON array or references, one per line.
 */
export function registrationFrom(form: LaunchForm, fhirUser: string, patient: string | undefined, clientId: string) {
  return {
    patient,
    encounter: optional(form.encounter),
    fhirContext: form.fhir_context ? fhirContextFrom(form.fhir_context) : undefined,
    fhirUser,
    need_patient_banner: form.need_patient_banner !== undefined,
    smart_style_url: optional(form.smart_style_url),
    intent: optional(form.intent),
    tenant: optional(form.tenant),
    client_id: clientId,
    extra: { ...extraFrom(form.extra), ...simulation(form.simulate) },
  };
}

function fhirContextFrom(text: string): unknown {
  if (text.startsWith('[')) return parseJson(text, 'fhirContext');
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((reference) => ({ reference }));
}

function extraFrom(text: string): Record<string, unknown> {
  if (!text) return {};
  const value = parseJson(text, 'extra');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormProblem('extra: must be a JSON object, e.g. {"tenant": "hospital-a"}');
  return value as Record<string, unknown>;
}

function simulation(value: string): Record<string, SimulatedError> {
  if (!value) return {};
  if (!(SIMULATED_ERRORS as readonly string[]).includes(value)) throw new FormProblem(`simulate: "${value}" is not one of the simulated errors`);
  return { sandbox_simulated_error: value as SimulatedError };
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormProblem(`${field}: not valid JSON (${(error as Error).message})`);
  }
}

/** The ad-hoc app's redirect URIs: one per line, absolute http(s) URLs. */
export function adhocRedirectUris(text: string): string[] {
  const uris = text.split(/\s+/).filter(Boolean);
  if (uris.length === 0) throw new FormProblem('Ad-hoc app: give at least one redirect URI');
  for (const uri of uris) if (!isHttpUrl(uri)) throw new FormProblem(`Ad-hoc app: redirect URI "${uri}" is not an absolute http(s) URL`);
  return uris;
}

export function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}
