// The sample FHIR R4 data set: what `fixtureDataSource()` serves when no FHIR_UPSTREAM_URL is set.
// Ids are fixed: other modules, smart-config examples and tests refer to them.

import { allergyIntolerances, conditions } from './conditions.ts';
import { diagnosticReports } from './diagnostic-reports.ts';
import { documentReferences } from './documents.ts';
import { encounters } from './encounters.ts';
import { immunizations, medicationRequests } from './medications.ts';
import { observations } from './observations.ts';
import { patients } from './patients.ts';
import { practitioners } from './practitioners.ts';
import { relatedPersons } from './related-persons.ts';

export {
  allergyIntolerances, conditions, diagnosticReports, documentReferences, encounters, immunizations, medicationRequests,
  observations, patients, practitioners, relatedPersons,
};

export const allFixtureResources: fhir4.FhirResource[] = [
  ...patients,
  ...encounters,
  ...practitioners,
  ...relatedPersons,
  ...diagnosticReports,
  ...observations,
  ...conditions,
  ...allergyIntolerances,
  ...medicationRequests,
  ...immunizations,
  ...documentReferences,
];
