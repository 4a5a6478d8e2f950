// fhir/: reading patients, encounters and other resources for the picker and for launch-context
// checks, from fhir-fixtures/ or from an upstream FHIR R4 server (FHIR_UPSTREAM_URL).
//
//   const fhir = createFhirDataSource({ upstreamUrl: process.env.FHIR_UPSTREAM_URL });
//   const { patients, total } = await fhir.searchPatients({ text: 'jose', page: 1, pageSize: 10 });
//   const encounters = await fhir.listEncounters('p001');          // most recent first
//   const user = await fhir.read('Practitioner/pr001');            // undefined when absent or malformed
//
// Upstream failures (unreachable, timeout, non-2xx other than 404/410, not FHIR JSON) reject with
// FhirUnavailableError; the HTTP layer decides how to show that.

export type { BackendRequest, BackendResponse, FhirBackend } from './backend.ts';
export { createFhirDataSource, createFhirServer } from './create.ts';
export { loadFhirDefinitions } from './definitions.ts';
export { createFhirEngine, type FhirEngine } from './engine.ts';
export { embeddedDataSource } from './fixture-source.ts';
export { patientsVisibleTo } from './patients-visible.ts';
export { isServedResourceType, SERVED_RESOURCE_TYPES } from './served-types.ts';
export { FhirTimeoutError, FhirUnavailableError } from './errors.ts';
export { fixtureDataSource } from './fixture-source.ts';
export { encounterPatientId, isFhirId, isResourceType, parseReference, type ResourceReference } from './references.ts';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './search.ts';
export { displayName, summariseEncounter, summarisePatient } from './summarise.ts';
export type { EncounterSummary, FhirDataSource, PatientSearch, PatientSearchResult, PatientSummary } from './types.ts';
export { DEFAULT_TIMEOUT_MS } from './upstream-http.ts';
export { upstreamDataSource } from './upstream-source.ts';
