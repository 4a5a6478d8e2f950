// Observations for every patient: vital signs (category vital-signs: heart rate, body weight,
// blood pressure) and laboratory results (category laboratory: haemoglobin, glucose, HbA1c),
// so granular scopes such as patient/Observation.rs?category=...|laboratory have data to tell apart.
import { concept, dateFor, encounterRef, LOINC, OBSERVATION_CATEGORY, PATIENT_IDS, patientRef, UCUM } from './clinical-codes.ts';

const VITAL = concept(OBSERVATION_CATEGORY, 'vital-signs', 'Vital Signs');
const LAB = concept(OBSERVATION_CATEGORY, 'laboratory', 'Laboratory');

function quantity(value: number, unit: string, code = unit): fhir4.Quantity {
  return { value, unit, system: UCUM, code };
}

function observation(
  id: string,
  patient: string,
  category: fhir4.CodeableConcept,
  code: fhir4.CodeableConcept,
  effective: string,
  value: Partial<fhir4.Observation>,
): fhir4.Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [category],
    code,
    subject: patientRef(patient),
    ...encounterRef(patient),
    effectiveDateTime: `${effective}T09:30:00Z`,
    ...value,
  };
}

function forPatient(patient: string, index: number): fhir4.Observation[] {
  const day = dateFor(index);
  const n = index + 1;
  const child = patient === 'p002' || patient === 'p012';
  const weight = child ? (patient === 'p012' ? 9.8 : 32.5) : 58 + ((n * 7) % 35);
  return [
    observation(`obs-${patient}-hr`, patient, VITAL, concept(LOINC, '8867-4', 'Heart rate'), day, {
      valueQuantity: quantity(62 + ((n * 5) % 30), 'beats/minute', '/min'),
    }),
    observation(`obs-${patient}-weight`, patient, VITAL, concept(LOINC, '29463-7', 'Body weight'), day, {
      valueQuantity: quantity(weight, 'kg'),
    }),
    observation(`obs-${patient}-bp`, patient, VITAL, concept(LOINC, '85354-9', 'Blood pressure panel with all children optional'), day, {
      component: [
        { code: concept(LOINC, '8480-6', 'Systolic blood pressure'), valueQuantity: quantity(108 + ((n * 9) % 40), 'mmHg', 'mm[Hg]') },
        { code: concept(LOINC, '8462-4', 'Diastolic blood pressure'), valueQuantity: quantity(66 + ((n * 4) % 24), 'mmHg', 'mm[Hg]') },
      ],
    }),
    observation(`obs-${patient}-hgb`, patient, LAB, concept(LOINC, '718-7', 'Hemoglobin [Mass/volume] in Blood'), day, {
      valueQuantity: quantity(11 + ((n * 3) % 50) / 10, 'g/dL'),
      referenceRange: [{ low: quantity(12, 'g/dL'), high: quantity(17.5, 'g/dL') }],
    }),
    observation(`obs-${patient}-glucose`, patient, LAB, concept(LOINC, '2339-0', 'Glucose [Mass/volume] in Blood'), day, {
      valueQuantity: quantity(78 + ((n * 13) % 90), 'mg/dL'),
    }),
    observation(`obs-${patient}-a1c`, patient, LAB, concept(LOINC, '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), day, {
      valueQuantity: quantity(5 + ((n * 7) % 40) / 10, '%'),
    }),
  ];
}

export const observations: fhir4.Observation[] = PATIENT_IDS.flatMap(forPatient);
