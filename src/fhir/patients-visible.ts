import { parseReference } from './references.ts';
import type { FhirDataSource } from './types.ts';

/**
 * Whose records a signed-in user may see, or undefined for anyone (practitioners: this service
 * has no care-team rules). A Patient user sees only themselves; a RelatedPerson the patient
 * their own record links to. One rule for the standalone patient picker and for `user/` scopes
 * at the FHIR API.
 *
 * @example
 * await patientsVisibleTo(fhir, 'RelatedPerson/rp001'); // ['p002']
 * await patientsVisibleTo(fhir, 'Practitioner/pr001'); // undefined
 */
export async function patientsVisibleTo(fhir: FhirDataSource, fhirUser: string | undefined): Promise<string[] | undefined> {
  const user = parseReference(fhirUser ?? '');
  if (user?.resourceType === 'Patient') return [user.id];
  if (user?.resourceType !== 'RelatedPerson') return undefined;
  const person = (await fhir.read(fhirUser!)) as fhir4.RelatedPerson | undefined;
  const patient = parseReference(person?.patient?.reference);
  return patient?.resourceType === 'Patient' ? [patient.id] : [];
}
