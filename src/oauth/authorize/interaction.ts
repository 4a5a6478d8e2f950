import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.ts';
import type { LaunchContext } from '../../context/index.ts';
import { readCookie, setCookie } from '../../http/cookies.ts';
import { findClient, type Client } from '../../store/clients.ts';
import { consumeCsrfToken, findLiveInteraction, type Interaction } from '../../store/interactions.ts';
import { invalidRequest } from '../errors.ts';
import { nextStep, type Step } from './steps.ts';

/** The browser holds only the interaction's id, in an HttpOnly cookie (src/http/cookies.ts). */
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

/**
 * The interaction, when `step` is what it needs next; otherwise the browser is
 * sent on to /interaction (which picks the right step) and this returns undefined.
 * A form post spends its CSRF token first.
 */
export async function interactionAt(req: Request, res: Response, deps: AppDeps, step: Step): Promise<CurrentInteraction | undefined> {
  const interaction = await currentInteraction(req, deps);
  if (req.method === 'POST') await requireCsrf(req, deps, interaction);
  if (nextStep(interaction) === step) return interaction;
  res.redirect(303, '/interaction');
  return undefined;
}
