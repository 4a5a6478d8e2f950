// FHIR R4 datatypes: an id is [A-Za-z0-9\-\.]{1,64}; resource type names are PascalCase.
// Checking both before they reach a URL keeps user text from adding path segments upstream.

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;

export interface ResourceReference {
  resourceType: string;
  id: string;
}

export function isFhirId(value: unknown): value is string {
  return typeof value === 'string' && FHIR_ID.test(value);
}

export function isResourceType(value: unknown): value is string {
  return typeof value === 'string' && RESOURCE_TYPE.test(value);
}

/** Parses a relative literal reference `Type/id`; anything else (absolute, versioned, malformed) is undefined. */
export function parseReference(reference: unknown): ResourceReference | undefined {
  if (typeof reference !== 'string') return undefined;
  const parts = reference.split('/');
  if (parts.length !== 2) return undefined;
  const [resourceType, id] = parts;
  if (!isResourceType(resourceType) || !isFhirId(id)) return undefined;
  return { resourceType, id };
}

/**
 * The patient id an encounter belongs to. Upstream servers may write the subject
 * as a relative (`Patient/1`) or an absolute reference (`https://fhir.example/r4/Patient/1`,
 * possibly with `/_history/n`): both count.
 */
export function encounterPatientId(encounter: fhir4.Encounter | undefined): string | undefined {
  const reference = encounter?.subject?.reference;
  if (typeof reference !== 'string') return undefined;
  const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return match?.[1];
}
