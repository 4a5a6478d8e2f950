// One clinical note (DocumentReference, LOINC 11506-3 Progress note, US Core clinical-note category)
// per patient, with its text inline.
import { concept, dateFor, encounterRef, LOINC, PATIENT_IDS, patientRef } from './clinical-codes.ts';

export const documentReferences: fhir4.DocumentReference[] = PATIENT_IDS.map((patient, i) => {
  const { encounter } = encounterRef(patient);
  const note = `Progress note for ${patient}: patient seen, vitals stable, plan reviewed and continued.`;
  return {
    resourceType: 'DocumentReference',
    id: `doc-${patient}`,
    status: 'current',
    type: concept(LOINC, '11506-3', 'Progress note'),
    category: [concept('http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', 'clinical-note', 'Clinical Note')],
    subject: patientRef(patient),
    date: `${dateFor(i)}T12:00:00Z`,
    author: [{ reference: i % 2 ? 'Practitioner/pr002' : 'Practitioner/pr001' }],
    content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(note).toString('base64'), title: 'Progress note' } }],
    ...(encounter ? { context: { encounter: [encounter] } } : {}),
  };
});
