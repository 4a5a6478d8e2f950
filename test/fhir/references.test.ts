import { describe, expect, it } from 'vitest';
import { encounterPatientId } from '../../src/fhir/index.ts';

describe('encounterPatientId', () => {
  const encounter = (reference: string | undefined): fhir4.Encounter => ({
    resourceType: 'Encounter',
    status: 'finished',
    class: { code: 'AMB' },
    ...(reference ? { subject: { reference } } : {}),
  });
  it('reads relative, absolute and versioned patient references', () => {
    expect(encounterPatientId(encounter('Patient/p001'))).toBe('p001');
    expect(encounterPatientId(encounter('https://fhir.example.org/r4/Patient/p001'))).toBe('p001');
    expect(encounterPatientId(encounter('https://fhir.example.org/r4/Patient/p001/_history/3'))).toBe('p001');
  });
  it('refuses anything that is not a patient', () => {
    expect(encounterPatientId(encounter('Group/g1'))).toBeUndefined();
    expect(encounterPatientId(encounter('Patient/'))).toBeUndefined();
    expect(encounterPatientId(encounter('XPatient/p1'))).toBeUndefined();
    expect(encounterPatientId(encounter(undefined))).toBeUndefined();
  });
});
