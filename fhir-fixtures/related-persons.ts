// A RelatedPerson fhirUser (`RelatedPerson/rp001`): the mother of the child p002, who signs in
// as a proxy for him.

export const relatedPersons: fhir4.RelatedPerson[] = [
  {
    resourceType: 'RelatedPerson',
    id: 'rp001',
    active: true,
    patient: { reference: 'Patient/p002', display: 'John Smith' },
    relationship: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH', display: 'mother' }],
      },
    ],
    name: [{ use: 'official', family: 'Smith', given: ['Sarah'] }],
    telecom: [{ system: 'phone', value: '555-555-0202', use: 'mobile' }],
    gender: 'female',
    birthDate: '1986-03-09',
  },
];
