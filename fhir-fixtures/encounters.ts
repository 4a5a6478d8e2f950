// Encounters for p001 (e001-e003), p002 (e004), p003 (e005, e006) and p004 (e007, e008).
// p005..p012 have none, so a picker can show a patient without encounters.

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const SNOMED = 'http://snomed.info/sct';

const ambulatory: fhir4.Coding = { system: ACT_CODE, code: 'AMB', display: 'ambulatory' };
const inpatient: fhir4.Coding = { system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' };
const emergency: fhir4.Coding = { system: ACT_CODE, code: 'EMER', display: 'emergency' };

function encounterType(code: string, display: string): fhir4.CodeableConcept[] {
  return [{ coding: [{ system: SNOMED, code, display }], text: display }];
}

function attender(practitionerId: string, display: string): fhir4.EncounterParticipant[] {
  return [
    {
      type: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'ATND', display: 'attender' },
          ],
        },
      ],
      individual: { reference: `Practitioner/${practitionerId}`, display },
    },
  ];
}

export const encounters: fhir4.Encounter[] = [
  {
    resourceType: 'Encounter',
    id: 'e001',
    status: 'finished',
    class: ambulatory,
    type: encounterType('185349003', 'Encounter for check up'),
    subject: { reference: 'Patient/p001', display: 'Amy Shaw' },
    participant: attender('pr001', 'Dr. Alice Carter'),
    period: { start: '2023-03-14T09:00:00Z', end: '2023-03-14T09:30:00Z' },
  },
  {
    resourceType: 'Encounter',
    id: 'e002',
    status: 'finished',
    class: emergency,
    type: encounterType('50849002', 'Emergency room admission'),
    subject: { reference: 'Patient/p001', display: 'Amy Shaw' },
    participant: attender('pr002', 'Grace Lee, RN'),
    period: { start: '2024-01-22T23:40:00Z', end: '2024-01-23T04:10:00Z' },
    reasonCode: [{ text: 'Acute asthma exacerbation' }],
  },
  {
    resourceType: 'Encounter',
    id: 'e003',
    status: 'in-progress',
    class: ambulatory,
    type: encounterType('390906007', 'Follow-up encounter'),
    subject: { reference: 'Patient/p001', display: 'Amy Shaw' },
    participant: attender('pr001', 'Dr. Alice Carter'),
    period: { start: '2025-06-02T14:00:00Z' },
  },
  {
    resourceType: 'Encounter',
    id: 'e004',
    status: 'finished',
    class: ambulatory,
    type: encounterType('410620009', 'Well child visit'),
    subject: { reference: 'Patient/p002', display: 'John Smith' },
    participant: attender('pr003', 'Ingrid Lindqvist RN'),
    period: { start: '2024-09-10T10:15:00Z', end: '2024-09-10T10:45:00Z' },
  },
  {
    resourceType: 'Encounter',
    id: 'e005',
    status: 'finished',
    class: inpatient,
    type: encounterType('32485007', 'Hospital admission'),
    subject: { reference: 'Patient/p003', display: 'Maria Smith' },
    participant: attender('pr002', 'Grace Lee, RN'),
    period: { start: '2022-11-03T08:00:00Z', end: '2022-11-07T12:00:00Z' },
    hospitalization: {
      dischargeDisposition: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: 'home', display: 'Home' },
        ],
      },
    },
  },
  {
    resourceType: 'Encounter',
    id: 'e006',
    status: 'finished',
    class: ambulatory,
    type: encounterType('390906007', 'Follow-up encounter'),
    subject: { reference: 'Patient/p003', display: 'Maria Smith' },
    participant: attender('pr001', 'Dr. Alice Carter'),
    period: { start: '2022-11-21T15:30:00Z', end: '2022-11-21T16:00:00Z' },
  },
  {
    resourceType: 'Encounter',
    id: 'e007',
    status: 'finished',
    class: emergency,
    type: encounterType('50849002', 'Emergency room admission'),
    subject: { reference: 'Patient/p004', display: 'José Luis García' },
    participant: attender('pr002', 'Grace Lee, RN'),
    period: { start: '2023-07-29T18:05:00Z', end: '2023-07-29T22:50:00Z' },
  },
  {
    resourceType: 'Encounter',
    id: 'e008',
    status: 'planned',
    class: ambulatory,
    type: encounterType('185349003', 'Encounter for check up'),
    subject: { reference: 'Patient/p004', display: 'José Luis García' },
    participant: attender('pr001', 'Dr. Alice Carter'),
    period: { start: '2025-12-01T09:00:00Z' },
  },
];
