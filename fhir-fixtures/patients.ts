// Twelve R4 Patients for the picker and for token context. p001 is also the record of the demo
// patient-user (fhirUser `Patient/p001`). Only p001..p004 have Encounters (see encounters.ts).

const MRN_SYSTEM = 'http://hospital.example.org/mrn';

function mrn(value: string): fhir4.Identifier {
  return {
    use: 'usual',
    type: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }],
    },
    system: MRN_SYSTEM,
    value,
  };
}

export const patients: fhir4.Patient[] = [
  {
    resourceType: 'Patient',
    id: 'p001',
    identifier: [mrn('MRN-1001')],
    active: true,
    name: [{ use: 'official', family: 'Shaw', given: ['Amy'] }],
    telecom: [
      { system: 'phone', value: '555-555-0101', use: 'mobile' },
      { system: 'email', value: 'amy.shaw@example.com' },
    ],
    gender: 'female',
    birthDate: '1987-02-20',
    address: [{ use: 'home', line: ['49 Meadow St'], city: 'Mounds', state: 'OK', postalCode: '74047', country: 'US' }],
  },
  {
    resourceType: 'Patient',
    id: 'p002',
    identifier: [mrn('MRN-1002')],
    active: true,
    name: [{ use: 'official', family: 'Smith', given: ['John'] }],
    telecom: [{ system: 'phone', value: '555-555-0102', use: 'home' }],
    gender: 'male',
    birthDate: '2014-07-04',
    address: [{ use: 'home', line: ['12 Elm Rd'], city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' }],
  },
  {
    resourceType: 'Patient',
    id: 'p003',
    identifier: [mrn('MRN-1003')],
    active: true,
    name: [{ use: 'official', family: 'Smith', given: ['Maria'] }],
    gender: 'female',
    birthDate: '1958-11-30',
  },
  {
    resourceType: 'Patient',
    id: 'p004',
    identifier: [mrn('MRN-1004')],
    active: true,
    name: [{ use: 'official', family: 'García', given: ['José', 'Luis'] }],
    telecom: [{ system: 'phone', value: '555-555-0104', use: 'mobile' }],
    gender: 'male',
    birthDate: '1975-03-14',
    address: [{ use: 'home', line: ['300 Calle Sol'], city: 'San Antonio', state: 'TX', postalCode: '78205', country: 'US' }],
    communication: [
      {
        language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'es', display: 'Spanish' }] },
        preferred: true,
      },
    ],
  },
  {
    resourceType: 'Patient',
    id: 'p005',
    identifier: [mrn('MRN-1005')],
    active: true,
    name: [{ use: 'official', prefix: ['Mrs.'], family: 'Okafor', given: ['Chioma'] }],
    gender: 'female',
    birthDate: '1948-09-02',
  },
  {
    resourceType: 'Patient',
    id: 'p006',
    identifier: [mrn('MRN-1006')],
    active: true,
    name: [{ use: 'official', family: 'Nguyen', given: ['Thanh'] }],
    gender: 'male',
    birthDate: '1992-05-17',
    telecom: [{ system: 'email', value: 'thanh.nguyen@example.com' }],
  },
  {
    resourceType: 'Patient',
    id: 'p007',
    identifier: [mrn('MRN-1007')],
    active: true,
    name: [{ use: 'official', family: 'Müller', given: ['Anna', 'Lena'] }],
    gender: 'female',
    birthDate: '2001-12-08',
  },
  {
    resourceType: 'Patient',
    id: 'p008',
    identifier: [mrn('MRN-1008')],
    active: true,
    name: [{ use: 'official', family: 'Johnson', given: ['Robert'], suffix: ['Jr.'] }],
    gender: 'male',
    birthDate: '1939-01-25',
    address: [{ use: 'home', line: ['8 Harbor View'], city: 'Portland', state: 'ME', postalCode: '04101', country: 'US' }],
  },
  {
    resourceType: 'Patient',
    id: 'p009',
    identifier: [mrn('MRN-1009')],
    active: true,
    name: [{ use: 'official', family: 'Patel', given: ['Priya'] }],
    gender: 'female',
    birthDate: '1983-06-11',
  },
  {
    resourceType: 'Patient',
    id: 'p010',
    identifier: [mrn('MRN-1010')],
    active: true,
    name: [{ use: 'official', family: 'Kim', given: ['Alex'] }],
    gender: 'other',
    birthDate: '1999-04-01',
  },
  {
    resourceType: 'Patient',
    id: 'p011',
    identifier: [mrn('MRN-1011')],
    active: true,
    name: [{ use: 'official', family: "O'Brien", given: ['Siobhán'] }],
    gender: 'female',
    birthDate: '1968-10-19',
  },
  {
    resourceType: 'Patient',
    id: 'p012',
    identifier: [mrn('MRN-1012')],
    active: true,
    name: [{ use: 'official', family: 'Baker', given: ['Leo'] }],
    gender: 'unknown',
    birthDate: '2023-08-15',
  },
];
