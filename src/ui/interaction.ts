import type { Request, Response } from 'express';
import type { AppDeps } from '../deps.ts';
import type { LaunchContext } from '../context/index.ts';
import { invalidRequest } from '../oauth/errors.ts';
import { findClient, type Client } from '../store/clients.ts';
import { consumeCsrfToken, findLiveInteraction, type Interaction } from '../store/interactions.ts';
import { readCookie, setCookie } from '../http/cookies.ts';

export function setInteractionCookie(res: Response, deps: AppDeps, id: string): void {
  setCookie(res, deps.config, 'interaction', id, deps.config.interactions.lifetimeSeconds);
}

export interface CurrentInteraction {
  row: Interaction;
  client: Client;
  context: LaunchContext;
  requestedScopes: Set<string>;
}

/** The interaction this browser is in, or an error page (expired, finished, or never started here). */
export async function currentInteraction(req: Request, deps: AppDeps): Promise<CurrentInteraction> {
  const id = readCookie(req, 'interaction');
  const row = id ? await findLiveInteraction(deps.db, id) : undefined;
  if (!row) throw invalidRequest('This sign-in has expired or was not started in this browser. Go back to the app and start again.').asPage();
  const client = await findClient(deps.db, row.client_id);
  if (!client || client.disabled) throw invalidRequest('The app is no longer registered.').asPage();
  return { row, client, context: row.context, requestedScopes: new Set(row.requested_scope.split(' ').filter(Boolean)) };
}

/** Spends the form's CSRF token or shows an error page: a missing, wrong or replayed token stops here. */
export async function requireCsrf(req: Request, deps: AppDeps, interaction: CurrentInteraction): Promise<void> {
  const token = (req.body as Record<string, unknown> | undefined)?.csrf;
  if (!(await consumeCsrfToken(deps.db, interaction.row.id_hash, token)))
    throw invalidRequest('This form has expired or was already sent. Go back and try again.').asPage();
}

export type Step = 'login' | 'select-patient' | 'select-encounter' | 'consent';

/**
 * What the user must do next: sign in (unless the EHR vouched for them), pick a
 * patient for launch/patient, pick an encounter for launch/encounter, consent.
 */
export function nextStep(interaction: CurrentInteraction): Step {
  const { row, context, requestedScopes } = interaction;
  if (!row.user_id && !row.fhir_user) return 'login';
  if (row.launch_type === 'standalone') {
    if (requestedScopes.has('launch/patient') && !context.patient) return 'select-patient';
    if (requestedScopes.has('launch/encounter') && context.patient && !context.encounter && !row.encounter_step_done)
      return 'select-encounter';
  }
  return 'consent';
}
