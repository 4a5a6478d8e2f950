// fhir-api/: the FHIR R4 REST endpoint at the FHIR base (metadata, read, vread, history, search,
// create, update, delete), each request authorised by src/fhir-access and forwarded to the
// embedded engine or the upstream FHIR server (src/fhir backend).
export { capabilityStatement } from './capability.ts';
export { fhirApiRouter, fhirBasePath, serveFhirRequest } from './router.ts';
