// fhir-access/: the FHIR access rules of a SMART resource server, pure (no HTTP, no SQL).
// Given what a verified access token says and a FHIR request, decide allowed or refused and
// the constraints to apply. Used by src/fhir-api/ and exported for FHIR servers we do not front
// (see the README, "Enforcing our tokens in your own FHIR server").
export { decideAccess, PERMISSION_LETTER } from './decide.ts';
export { patientCompartment, patientConstraintValue } from './compartment.ts';
export type {
  AccessDecision, AccessModel, AccessToken, FhirAccessRequest, FhirInteraction, ResourceFilter, SearchParam,
} from './types.ts';
