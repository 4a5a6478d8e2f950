// Two DiagnosticReports, so `fhirContext` can carry a non-Patient, non-Encounter reference.
// Results are stated in `conclusion` rather than linked Observations, which this set does not have.

const LOINC = 'http://loinc.org';
const LAB: fhir4.CodeableConcept = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }],
};

export const diagnosticReports: fhir4.DiagnosticReport[] = [
  {
    resourceType: 'DiagnosticReport',
    id: 'dr001',
    status: 'final',
    category: [LAB],
    code: {
      coding: [{ system: LOINC, code: '24323-8', display: 'Comprehensive metabolic 2000 panel - Serum or Plasma' }],
      text: 'Comprehensive metabolic panel',
    },
    subject: { reference: 'Patient/p001', display: 'Amy Shaw' },
    encounter: { reference: 'Encounter/e001' },
    effectiveDateTime: '2023-03-14T09:10:00Z',
    issued: '2023-03-14T15:42:00Z',
    performer: [{ reference: 'Practitioner/pr001', display: 'Dr. Alice Carter' }],
    conclusion: 'All values within reference ranges.',
  },
  {
    resourceType: 'DiagnosticReport',
    id: 'dr002',
    status: 'final',
    category: [LAB],
    code: {
      coding: [{ system: LOINC, code: '58410-2', display: 'CBC panel - Blood by Automated count' }],
      text: 'Complete blood count',
    },
    subject: { reference: 'Patient/p003', display: 'Maria Smith' },
    encounter: { reference: 'Encounter/e005' },
    effectiveDateTime: '2022-11-04T07:30:00Z',
    issued: '2022-11-04T11:05:00Z',
    performer: [{ reference: 'Practitioner/pr002', display: 'Grace Lee, RN' }],
    conclusion: 'Mild normocytic anaemia (Hb 11.2 g/dL).',
  },
];
