// The resource types the FHIR API serves (embedded engine and proxy alike): the US Core types a
// SMART app reads, plus those the fixtures hold. The CapabilityStatement lists exactly these.
export const SERVED_RESOURCE_TYPES = [
  'AllergyIntolerance',
  'CareTeam',
  'Condition',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'Immunization',
  'Location',
  'Medication',
  'MedicationRequest',
  'Observation',
  'Organization',
  'Patient',
  'Person',
  'Practitioner',
  'PractitionerRole',
  'Procedure',
  'RelatedPerson',
] as const;

export type ServedResourceType = (typeof SERVED_RESOURCE_TYPES)[number];

const SERVED = new Set<string>(SERVED_RESOURCE_TYPES);

export function isServedResourceType(value: string): value is ServedResourceType {
  return SERVED.has(value);
}
