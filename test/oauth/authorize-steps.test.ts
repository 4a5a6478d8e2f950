import { describe, expect, it } from 'vitest';
import { contextAfterSignIn, mayPickEncounter, mayPickPatient, nextStep, type FlowState } from '../../src/oauth/authorize/steps.ts';

const state = (over: { row?: Partial<FlowState['row']>; context?: FlowState['context']; scope?: string } = {}): FlowState => ({
  row: { user_id: null, fhir_user: null, launch_type: 'standalone', encounter_step_done: false, ...over.row },
  context: over.context ?? {},
  requestedScopes: new Set((over.scope ?? 'launch/patient launch/encounter patient/*.rs').split(' ')),
});
const signedIn = { user_id: 'u1', fhir_user: 'Practitioner/pr001' };

describe('the authorization flow steps', () => {
  it('asks for a sign-in first, unless the EHR vouched for the user', () => {
    expect(nextStep(state())).toBe('login');
    expect(nextStep(state({ row: { launch_type: 'ehr', fhir_user: 'Practitioner/pr001' } }))).toBe('consent');
  });

  it('asks a standalone launch/patient for a patient, then launch/encounter for an encounter, then consent', () => {
    expect(nextStep(state({ row: signedIn }))).toBe('select-patient');
    expect(nextStep(state({ row: signedIn, context: { patient: 'p001' } }))).toBe('select-encounter');
    expect(nextStep(state({ row: { ...signedIn, encounter_step_done: true }, context: { patient: 'p001' } }))).toBe('consent');
    expect(nextStep(state({ row: signedIn, context: { patient: 'p001', encounter: 'e1' } }))).toBe('consent');
  });

  it('never shows a picker to an EHR launch, nor one the app did not ask for', () => {
    expect(nextStep(state({ row: { ...signedIn, launch_type: 'ehr' } }))).toBe('consent');
    expect(nextStep(state({ row: signedIn, scope: 'openid patient/*.rs' }))).toBe('consent');
    expect(nextStep(state({ row: signedIn, context: { patient: 'p001' }, scope: 'launch/patient' }))).toBe('consent');
  });

  it('makes a Patient user signing in to a standalone launch/patient the patient in context', () => {
    expect(contextAfterSignIn(state(), 'Patient/p002')).toEqual({ patient: 'p002' });
    expect(contextAfterSignIn(state(), 'Practitioner/pr001')).toEqual({});
    expect(contextAfterSignIn(state({ scope: 'openid' }), 'Patient/p002')).toEqual({});
    expect(contextAfterSignIn(state({ row: { launch_type: 'ehr' }, context: { patient: 'p001' } }), 'Patient/p002')).toEqual({ patient: 'p001' });
  });

  it('lets a user pick only a patient they may see, and only an encounter of the patient in context', () => {
    expect(mayPickPatient('p001', undefined)).toBe(true);
    expect(mayPickPatient('p001', ['p001'])).toBe(true);
    expect(mayPickPatient('p002', ['p001'])).toBe(false);
    expect(mayPickPatient('p001', [])).toBe(false);
    expect(mayPickEncounter('p001', 'p001')).toBe(true);
    expect(mayPickEncounter('p002', 'p001')).toBe(false);
    expect(mayPickEncounter(undefined, 'p001')).toBe(false);
  });
});
