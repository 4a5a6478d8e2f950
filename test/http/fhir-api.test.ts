import { describeEachDatabase } from '../helpers/databases.ts';
import { startTestServer } from '../helpers/server.ts';
import { describeFhirEnforcement, enforcementConfig } from './fhir-enforcement-suite.ts';

describeEachDatabase('FHIR API on the embedded engine', (kind) => {
  describeFhirEnforcement('embedded', (k) => startTestServer(k, { configure: enforcementConfig }), kind);
});

