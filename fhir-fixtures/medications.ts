// MedicationRequests (RxNorm) and Immunizations (CVX) for every patient.
import { concept, CVX, dateFor, encounterRef, PATIENT_IDS, patientRef, RXNORM } from './clinical-codes.ts';

const MEDICATIONS: ReadonlyArray<readonly [string, string, string]> = [
  ['314076', 'lisinopril 10 MG Oral Tablet', 'Take 1 tablet by mouth once daily'],
  ['860975', 'metformin hydrochloride 500 MG Oral Tablet', 'Take 1 tablet by mouth twice daily with meals'],
  ['745679', 'albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', 'Inhale 2 puffs every 4 hours as needed'],
  ['617311', 'atorvastatin 20 MG Oral Tablet', 'Take 1 tablet by mouth at bedtime'],
  ['312938', 'sertraline 50 MG Oral Tablet', 'Take 1 tablet by mouth once daily'],
  ['197361', 'amlodipine 5 MG Oral Tablet', 'Take 1 tablet by mouth once daily'],
];
const VACCINES: ReadonlyArray<readonly [string, string]> = [
  ['140', 'Influenza, seasonal, injectable, preservative free'],
  ['208', 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose'],
  ['115', 'Tdap'],
  ['08', 'Hep B, adolescent or pediatric'],
];

export const medicationRequests: fhir4.MedicationRequest[] = PATIENT_IDS.map((patient, i) => {
  const [code, display, instructions] = MEDICATIONS[i % MEDICATIONS.length]!;
  return {
    resourceType: 'MedicationRequest',
    id: `medrx-${patient}`,
    status: 'active',
    intent: 'order',
    category: [concept('http://terminology.hl7.org/CodeSystem/medicationrequest-category', 'outpatient', 'Outpatient')],
    medicationCodeableConcept: concept(RXNORM, code, display),
    subject: patientRef(patient),
    ...encounterRef(patient),
    authoredOn: dateFor(i, -30),
    requester: { reference: i % 2 ? 'Practitioner/pr002' : 'Practitioner/pr001' },
    dosageInstruction: [{ text: instructions }],
  };
});

export const immunizations: fhir4.Immunization[] = PATIENT_IDS.map((patient, i) => {
  const [code, display] = VACCINES[i % VACCINES.length]!;
  return {
    resourceType: 'Immunization',
    id: `imm-${patient}`,
    status: 'completed',
    vaccineCode: concept(CVX, code, display),
    patient: patientRef(patient),
    occurrenceDateTime: dateFor(i, -90),
    primarySource: true,
  };
});
