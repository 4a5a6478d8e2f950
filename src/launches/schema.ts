import { z } from 'zod';

const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;
const reference = (type: string) =>
  z
    .string()
    .transform((value) => (value.startsWith(`${type}/`) ? value.slice(type.length + 1) : value))
    .pipe(z.string().regex(FHIR_ID, `must be a FHIR id or ${type}/<id>`));

/** SMART App Launch 2.2 fhirContext item (scopes-and-launch-context, "fhirContext"). */
export const fhirContextItemSchema = z
  .strictObject({
    reference: z.string().regex(/^[A-Z][A-Za-z]+\/[A-Za-z0-9.-]{1,64}$/, 'must be a relative reference Type/id').optional(),
    canonical: z.string().regex(/^\S+$/, 'must be a canonical URL, optionally with |version').optional(),
    identifier: z
      .looseObject({ system: z.string().optional(), value: z.string().optional() })
      .refine((i) => i.value !== undefined || i.system !== undefined, 'needs a system or a value')
      .optional(),
    type: z.string().regex(/^[A-Z][A-Za-z]+$/, 'must be a FHIR resource type').optional(),
    role: z.url('must be an absolute URI (omit it for the default "launch" role)').optional(),
  })
  .refine((item) => item.reference || item.canonical || item.identifier, {
    error: 'each item needs a reference, a canonical or an identifier',
  })
  .refine(
    (item) => !/^(Patient|Encounter)\//.test(item.reference ?? '') || (item.role !== undefined && item.role !== 'launch'),
    { error: 'Patient and Encounter go in "patient" and "encounter", not in fhirContext, unless they have another role' },
  );

export function launchRegistrationSchema(maxExpiresIn: number, defaultExpiresIn: number) {
  return z.strictObject({
    patient: reference('Patient').optional(),
    encounter: reference('Encounter').optional(),
    fhirContext: z.array(fhirContextItemSchema).max(20).optional(),
    // Inferno refuses PractitionerRole as fhirUser; SMART lists these.
    fhirUser: z
      .string()
      .regex(/^(Practitioner|Patient|RelatedPerson|Person)\/[A-Za-z0-9.-]{1,64}$/, 'must be Practitioner/<id>, Patient/<id>, RelatedPerson/<id> or Person/<id>')
      .optional(),
    need_patient_banner: z.boolean().default(true),
    smart_style_url: z.url({ protocol: /^https?$/ }).optional(),
    intent: z.string().min(1).max(200).optional(),
    tenant: z.string().min(1).max(200).optional(),
    client_id: z.string().min(1).max(128).optional(),
    extra: z.record(z.string(), z.unknown()).default({}),
    expires_in: z.number().int().min(1).max(maxExpiresIn).default(defaultExpiresIn),
  });
}

export type LaunchRegistration = z.output<ReturnType<typeof launchRegistrationSchema>>;
