// FHIR R4 Patient CompartmentDefinition (compartmentdefinition-patient.html): which search
// parameters link a resource to a patient. The API constrains by ONE of them per type, the same
// for searches and reads, so a resource is readable exactly when a search would find it.
import type { AccessModel } from './types.ts';

interface CompartmentDefinitionLike {
  resource?: ReadonlyArray<{ code?: string; param?: readonly string[] }>;
}

/**
 * The access model from the Patient CompartmentDefinition: `patient` when the type lists it
 * (AllergyIntolerance, Condition, Immunization, Procedure...), else its first parameter
 * (`subject` for Observation, Encounter, DiagnosticReport, DocumentReference...), `_id` for Patient.
 * Resources only linked another way (an Observation whose `performer` is the patient) are
 * therefore not in what a patient/ token sees: a subset of the compartment, never more.
 *
 * @example
 * const model = patientCompartment(compartmentDefinitionJson);
 * model.compartmentParam('Observation'); // 'subject'
 * model.compartmentParam('Practitioner'); // undefined
 */
export function patientCompartment(definition: CompartmentDefinitionLike): AccessModel {
  const params = new Map<string, string>([['Patient', '_id']]);
  for (const entry of definition.resource ?? []) {
    const list = entry.param ?? [];
    if (!entry.code || entry.code === 'Patient' || list.length === 0) continue;
    params.set(entry.code, list.includes('patient') ? 'patient' : list[0]!);
  }
  return { compartmentParam: (resourceType) => params.get(resourceType) };
}

/** The constraint value naming these patients: `_id=p1,p2` for Patient, else `Patient/p1,Patient/p2`. */
export function patientConstraintValue(param: string, patients: readonly string[]): string {
  return patients.map((id) => (param === '_id' ? id : `Patient/${id}`)).join(',');
}
