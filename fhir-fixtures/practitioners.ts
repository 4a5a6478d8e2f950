// Practitioners referenced as Encounter participants and as clinician fhirUsers (`Practitioner/pr001`).

const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

export const practitioners: fhir4.Practitioner[] = [
  {
    resourceType: 'Practitioner',
    id: 'pr001',
    identifier: [{ system: NPI_SYSTEM, value: '1234567893' }],
    active: true,
    name: [{ use: 'official', prefix: ['Dr.'], family: 'Carter', given: ['Alice'] }],
    telecom: [{ system: 'email', value: 'alice.carter@hospital.example.org', use: 'work' }],
    gender: 'female',
  },
  {
    resourceType: 'Practitioner',
    id: 'pr002',
    identifier: [{ system: NPI_SYSTEM, value: '1987654328' }],
    active: true,
    name: [{ use: 'official', family: 'Lee', given: ['Grace'], suffix: ['RN'] }],
    gender: 'female',
  },
  {
    resourceType: 'Practitioner',
    id: 'pr003',
    identifier: [{ system: NPI_SYSTEM, value: '1452367893' }],
    active: true,
    name: [{ use: 'official', family: 'Lindqvist', given: ['Ingrid'], suffix: ['RN'] }],
    gender: 'female',
  },
];
