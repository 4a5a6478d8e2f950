import { bareId, type LaunchContext } from '../../context/index.ts';
import type { Interaction } from '../../store/interactions.ts';

/**
 * The authorization flow's decisions, as plain functions of the interaction's
 * state: which step comes next, and what a sign-in or a pick may set. No I/O
 * here; the step routers read and write, and call these.
 */

export type Step = 'login' | 'select-patient' | 'select-encounter' | 'consent';

/** What the rules read of an interaction (CurrentInteraction has it all). */
export interface FlowState {
  row: Pick<Interaction, 'user_id' | 'fhir_user' | 'launch_type' | 'encounter_step_done'>;
  context: LaunchContext;
  requestedScopes: ReadonlySet<string>;
}

/**
 * What the user must do next: sign in (unless the EHR vouched for them), pick a
 * patient for launch/patient, pick an encounter for launch/encounter, consent.
 */
export function nextStep(state: FlowState): Step {
  const { row, context, requestedScopes } = state;
  if (!row.user_id && !row.fhir_user) return 'login';
  if (row.launch_type === 'standalone') {
    if (requestedScopes.has('launch/patient') && !context.patient) return 'select-patient';
    if (requestedScopes.has('launch/encounter') && context.patient && !context.encounter && !row.encounter_step_done)
      return 'select-encounter';
  }
  return 'consent';
}

/** The launch context once this user has signed in: a Patient user of a standalone launch/patient is the patient, with no picker. */
export function contextAfterSignIn(state: FlowState, fhirUser: string | null): LaunchContext {
  const context = { ...state.context };
  if (state.row.launch_type === 'standalone' && state.requestedScopes.has('launch/patient') && fhirUser?.startsWith('Patient/'))
    context.patient = bareId(fhirUser, 'Patient');
  return context;
}

/** A patient id the user may pick: anyone when `allowed` is undefined (see patientsVisibleTo), else one of `allowed`. */
export function mayPickPatient(patient: string, allowed: readonly string[] | undefined): boolean {
  return allowed === undefined || allowed.includes(patient);
}

/** An encounter may be picked only for the patient already in context. */
export function mayPickEncounter(encounterPatient: string | undefined, contextPatient: string): boolean {
  return encounterPatient === contextPatient;
}
