// Conditions (category problem-list-item and encounter-diagnosis) and AllergyIntolerances for
// every patient, SNOMED CT coded.
import { concept, CONDITION_CATEGORY, dateFor, encounterRef, PATIENT_IDS, patientRef, SNOMED } from './clinical-codes.ts';

const PROBLEM = concept(CONDITION_CATEGORY, 'problem-list-item', 'Problem List Item');
const DIAGNOSIS = concept(CONDITION_CATEGORY, 'encounter-diagnosis', 'Encounter Diagnosis');
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

const PROBLEMS: ReadonlyArray<readonly [string, string]> = [
  ['38341003', 'Hypertensive disorder'],
  ['44054006', 'Type 2 diabetes mellitus'],
  ['195967001', 'Asthma'],
  ['55822004', 'Hyperlipidemia'],
  ['35489007', 'Depressive disorder'],
  ['69896004', 'Rheumatoid arthritis'],
];
const DIAGNOSES: ReadonlyArray<readonly [string, string]> = [
  ['444814009', 'Viral sinusitis'],
  ['10509002', 'Acute bronchitis'],
  ['68566005', 'Urinary tract infectious disease'],
  ['43878008', 'Streptococcal sore throat'],
];
const ALLERGIES: ReadonlyArray<readonly [string, string, 'medication' | 'food' | 'environment']> = [
  ['91936005', 'Allergy to penicillin', 'medication'],
  ['91935009', 'Allergy to peanuts', 'food'],
  ['300916003', 'Latex allergy', 'environment'],
  ['418689008', 'Allergy to grass pollen', 'environment'],
];

function condition(id: string, patient: string, category: fhir4.CodeableConcept, [code, display]: readonly [string, string], onset: string, active: boolean): fhir4.Condition {
  return {
    resourceType: 'Condition',
    id,
    clinicalStatus: { coding: [{ system: CLINICAL, code: active ? 'active' : 'resolved' }] },
    verificationStatus: { coding: [{ system: VERIFICATION, code: 'confirmed' }] },
    category: [category],
    code: concept(SNOMED, code, display),
    subject: patientRef(patient),
    ...(category === DIAGNOSIS ? encounterRef(patient) : {}),
    onsetDateTime: onset,
    recordedDate: onset,
  };
}

export const conditions: fhir4.Condition[] = PATIENT_IDS.flatMap((patient, i) => [
  condition(`cond-${patient}-problem`, patient, PROBLEM, PROBLEMS[i % PROBLEMS.length]!, dateFor(i, -400), true),
  condition(`cond-${patient}-diagnosis`, patient, DIAGNOSIS, DIAGNOSES[i % DIAGNOSES.length]!, dateFor(i), false),
]);

export const allergyIntolerances: fhir4.AllergyIntolerance[] = PATIENT_IDS.map((patient, i) => {
  const [code, display, category] = ALLERGIES[i % ALLERGIES.length]!;
  return {
    resourceType: 'AllergyIntolerance',
    id: `allergy-${patient}`,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
    type: 'allergy',
    category: [category],
    criticality: i % 3 === 0 ? 'high' : 'low',
    code: concept(SNOMED, code, display),
    patient: patientRef(patient),
    recordedDate: dateFor(i, -200),
  };
});
