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

/** A free JSON object: launch `extra` and user `attributes`, which claim rules read (`launch.extra.*`, `user.attributes.*`). */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

/**
 * Reads a jsonb column back through its schema: the one way a store turns
 * stored JSON into a typed value. A row that does not parse is a bug or
 * tampering, never silently used.
 */
export function readJsonColumn<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  return schema.parse(value);
}

export function parseLaunchContext(value: unknown): LaunchContext {
  return readJsonColumn(launchContextSchema, value) as LaunchContext;
}

export function parseFhirContext(value: unknown): FhirContextItem[] {
  return readJsonColumn(fhirContextSchema, value) as FhirContextItem[];
}

export function parseJsonObject(value: unknown): Record<string, unknown> {
  return readJsonColumn(jsonObjectSchema, value);
}
