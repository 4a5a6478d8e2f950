// The sample FHIR R4 data set: what `fixtureDataSource()` serves when no FHIR_UPSTREAM_URL is set.
// Ids are fixed: other modules, smart-config examples and tests refer to them.

import { diagnosticReports } from './diagnostic-reports.ts';
import { encounters } from './encounters.ts';
import { patients } from './patients.ts';
import { practitioners } from './practitioners.ts';
import { relatedPersons } from './related-persons.ts';

export { diagnosticReports, encounters, patients, practitioners, relatedPersons };

export const allFixtureResources: fhir4.FhirResource[] = [
  ...patients,
  ...encounters,
  ...practitioners,
  ...relatedPersons,
  ...diagnosticReports,
];
