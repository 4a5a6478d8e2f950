import { allFixtureResources } from '../../fhir-fixtures/index.ts';
import { createFhirEngine, type EngineQuery, type FhirEngine } from './engine.ts';
import { isFhirId, parseReference } from './references.ts';
import { compareByName, normalisePaging, patientMatches } from './search.ts';
import { byMostRecent, summariseEncounter, summarisePatient } from './summarise.ts';
import type { FhirDataSource } from './types.ts';

/** The embedded data set is small; the picker reads every patient and applies its own rule. */
const ALL = '1000';

/**
 * The picker's and the launch checks' view of the embedded FHIR engine: every lookup is a FHIR
 * request to the same engine the FHIR API serves. Patient search applies the picker's rule
 * (fragments of any name, accents folded, or an exact identifier; see search.ts), which is
 * looser than FHIR's `name` search, to the engine's Patients.
 *
 * @example
 * const fhir = embeddedDataSource(createFhirEngine(allFixtureResources));
 * const { patients } = await fhir.searchPatients({ text: 'smith' }); // John and Maria Smith
 */
export function embeddedDataSource(engine: FhirEngine): FhirDataSource {
  async function search<T extends fhir4.FhirResource>(resourceType: T['resourceType'], query: EngineQuery): Promise<T[]> {
    const { status, body } = await engine.handle({ method: 'GET', path: resourceType, query });
    if (status !== 200 || body.resourceType !== 'Bundle') return [];
    return (body.entry ?? []).map((e) => e.resource as unknown as T).filter((r) => r?.resourceType === resourceType);
  }

  async function read<T extends fhir4.Resource>(resourceType: string, id: string): Promise<T | undefined> {
    if (!isFhirId(id)) return undefined;
    const { status, body } = await engine.handle({ method: 'GET', path: `${resourceType}/${id}` });
    return status === 200 && body.resourceType === resourceType ? (body as unknown as T) : undefined;
  }

  return {
    async searchPatients(query) {
      const { page, pageSize, offset } = normalisePaging(query);
      const matches = (await search<fhir4.Patient>('Patient', { _count: ALL }))
        .filter((p) => patientMatches(p, query.text ?? ''))
        .sort(compareByName);
      return { patients: matches.slice(offset, offset + pageSize).map(summarisePatient), total: matches.length, page, pageSize };
    },

    getPatient: (id) => read<fhir4.Patient>('Patient', id),

    getEncounter: (id) => read<fhir4.Encounter>('Encounter', id),

    async listEncounters(patientId) {
      if (!isFhirId(patientId)) return [];
      const encounters = await search<fhir4.Encounter>('Encounter', { patient: patientId, _count: ALL });
      return encounters.map(summariseEncounter).sort(byMostRecent);
    },

    async read(reference) {
      const parsed = parseReference(reference);
      return parsed ? read(parsed.resourceType, parsed.id) : undefined;
    },

    summarisePatient,
  };
}

/** The embedded engine loaded with `fhir-fixtures/` (a fresh engine per call). */
export function fixtureDataSource(): FhirDataSource {
  return embeddedDataSource(createFhirEngine(allFixtureResources));
}
