// Code systems and small builders for the clinical fixtures, US Core style (LOINC, SNOMED CT,
// RxNorm, CVX, HL7 category codes).

export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const CVX = 'http://hl7.org/fhir/sid/cvx';
export const UCUM = 'http://unitsofmeasure.org';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';

export const concept = (system: string, code: string, display: string): fhir4.CodeableConcept => ({
  coding: [{ system, code, display }],
  text: display,
});

export const patientRef = (id: string): fhir4.Reference => ({ reference: `Patient/${id}` });

/** The first encounter of each patient that has one (see encounters.ts). */
export const FIRST_ENCOUNTER: Readonly<Record<string, string>> = { p001: 'e001', p002: 'e004', p003: 'e005', p004: 'e007' };

export const encounterRef = (patient: string): { encounter?: fhir4.Reference } =>
  FIRST_ENCOUNTER[patient] ? { encounter: { reference: `Encounter/${FIRST_ENCOUNTER[patient]}` } } : {};

/** The twelve demo patients. */
export const PATIENT_IDS = Array.from({ length: 12 }, (_, i) => `p${String(i + 1).padStart(3, '0')}`);

/** A date for patient n's data, spread over 2023-2025 so lists have an order. */
export function dateFor(patientIndex: number, offsetDays = 0): string {
  const day = new Date(Date.UTC(2023, 0, 10) + (patientIndex * 61 + offsetDays) * 86_400_000);
  return day.toISOString().slice(0, 10);
}
