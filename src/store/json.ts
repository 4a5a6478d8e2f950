import { z } from 'zod';
import type { FhirContextItem, LaunchContext } from '../context/index.ts';
import type { JsonText } from '../db/types.ts';

/** The JSON text of a value for a jsonb column. Only stores call it: each owns its columns' serialisation. */
export function toJson(value: unknown): JsonText {
  return JSON.stringify(value ?? null) as JsonText;
}

/** SMART 2.2 fhirContext item as stored (validated on the way in by launches/schema.ts). */
const fhirContextItemSchema = z.looseObject({
  reference: z.string().optional(),
  canonical: z.string().optional(),
  identifier: z.looseObject({ system: z.string().optional(), value: z.string().optional() }).optional(),
  type: z.string().optional(),
  role: z.string().optional(),
});

export const fhirContextSchema = z.array(fhirContextItemSchema);

/** A launch context column, read back (grants, interactions). */
export const launchContextSchema = z.object({
  patient: z.string().optional(),
  encounter: z.string().optional(),
  fhirContext: fhirContextSchema.optional(),
  need_patient_banner: z.boolean().optional(),
  smart_style_url: z.string().optional(),
  intent: z.string().optional(),
  tenant: z.string().optional(),
});

/** Free JSON for claim rules (`launch.extra`). */
export const extraSchema = z.record(z.string(), z.unknown());

/** Parses a stored launch context; a row that does not parse is a bug or tampering, never silently used. */
export function parseLaunchContext(value: unknown): LaunchContext {
  return launchContextSchema.parse(value) as LaunchContext;
}

export function parseFhirContext(value: unknown): FhirContextItem[] {
  return fhirContextSchema.parse(value) as FhirContextItem[];
}

export function parseExtra(value: unknown): Record<string, unknown> {
  return extraSchema.parse(value);
}
