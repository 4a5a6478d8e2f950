import { allFixtureResources } from '../../fhir-fixtures/index.ts';
import { encounterPatientId, isFhirId, parseReference } from './references.ts';
import { compareByName, normalisePaging, patientMatches } from './search.ts';
import { byMostRecent, summariseEncounter, summarisePatient } from './summarise.ts';
import type { FhirDataSource } from './types.ts';

/**
 * The sample data set in `fhir-fixtures/`, in memory. Every call returns a copy, so a caller
 * that edits a resource cannot change what the next caller sees.
 *
 * @example
 * const fhir = fixtureDataSource();
 * const { patients } = await fhir.searchPatients({ text: 'smith' }); // John and Maria Smith
 * await fhir.read('Practitioner/pr001'); // Dr. Alice Carter
 */
export function fixtureDataSource(): FhirDataSource {
  const byReference = new Map<string, fhir4.FhirResource>();
  for (const resource of allFixtureResources) byReference.set(`${resource.resourceType}/${resource.id}`, resource);

  const patients = allFixtureResources
    .filter((r): r is fhir4.Patient => r.resourceType === 'Patient')
    .sort(compareByName);
  const encounters = allFixtureResources.filter((r): r is fhir4.Encounter => r.resourceType === 'Encounter');

  function lookup<T extends fhir4.FhirResource>(resourceType: T['resourceType'], id: string): T | undefined {
    if (!isFhirId(id)) return undefined;
    const found = byReference.get(`${resourceType}/${id}`) as T | undefined;
    return found && structuredClone(found);
  }

  return {
    async searchPatients(query) {
      const { page, pageSize, offset } = normalisePaging(query);
      const matches = patients.filter((p) => patientMatches(p, query.text ?? ''));
      return {
        patients: matches.slice(offset, offset + pageSize).map(summarisePatient),
        total: matches.length,
        page,
        pageSize,
      };
    },

    async getPatient(id) {
      return lookup<fhir4.Patient>('Patient', id);
    },

    async getEncounter(id) {
      return lookup<fhir4.Encounter>('Encounter', id);
    },

    async listEncounters(patientId) {
      if (!isFhirId(patientId)) return [];
      return encounters
        .filter((e) => encounterPatientId(e) === patientId)
        .map(summariseEncounter)
        .sort(byMostRecent);
    },

    async read(reference) {
      const parsed = parseReference(reference);
      const found = parsed && byReference.get(`${parsed.resourceType}/${parsed.id}`);
      return found && structuredClone(found);
    },

    summarisePatient,
  };
}
