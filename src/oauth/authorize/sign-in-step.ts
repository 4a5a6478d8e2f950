import express, { Router, type Response } from 'express';
import type { AppDeps } from '../../deps.ts';
import { signIn, throttledMessage } from '../../account/sign-in.ts';
import { clearCookie, readCookie } from '../../http/cookies.ts';
import { isSameOriginRequest } from '../../http/same-origin.ts';
import { issueCsrfToken, updateInteraction } from '../../store/interactions.ts';
import { endSession } from '../../store/sessions.ts';
import { errorPage } from '../../ui/error-page.ts';
import { loginPage, signedOutOfSessionPage } from '../../ui/sign-in.ts';
import { currentInteraction, requireCsrf, type CurrentInteraction } from './interaction.ts';
import { contextAfterSignIn } from './steps.ts';

/**
 * Sign-in for standalone launches and for EHR launches that name no user.
 * Failures say only "incorrect username or password". Failures are throttled
 * (src/throttle/, config.login): per (username, address) with growing delays,
 * per username and per address only at much higher counts. A refused attempt
 * is a 429 before any password is checked, so a lock cannot be used to guess one.
 */
export function signInRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get('/login', async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    await sendLoginPage(res, deps, interaction, undefined);
  });

  router.post('/login', form, async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    await requireCsrf(req, deps, interaction);
    const result = await signIn(req, res, deps, interaction.client.id);
    if (result.outcome === 'throttled') return sendLoginPage(res, deps, interaction, throttledMessage(res, result.refusal));
    if (result.outcome === 'invalid') return sendLoginPage(res.status(result.status), deps, interaction, result.message);
    const { user, session } = result;
    await updateInteraction(deps.db, interaction.row.id_hash, {
      user_id: user.id,
      fhir_user: user.fhirUser,
      session_id_hash: session.idHash,
      auth_time: new Date(),
      context: contextAfterSignIn(interaction, user.fhirUser),
    });
    res.redirect(303, '/interaction');
  });

  /**
   * Signing out ends the session and every online_access refresh token bound to it,
   * so a forged cross-site sign-out is refused (Origin / Sec-Fetch-Site, not a cookie).
   */
  router.post('/logout', async (req, res) => {
    if (!isSameOriginRequest(req, deps.config.issuer)) {
      res.status(403).type('html').send(errorPage('access_denied', 'This sign-out request did not come from this service\'s own pages.'));
      return;
    }
    const id = readCookie(req, 'session');
    if (id) await endSession(deps.db, id);
    clearCookie(res, 'session');
    res.type('html').send(signedOutOfSessionPage());
  });
  return router;
}

async function sendLoginPage(res: Response, deps: AppDeps, interaction: CurrentInteraction, error: string | undefined) {
  const csrf = await issueCsrfToken(deps.db, interaction.row.id_hash);
  res.type('html').send(loginPage({ clientName: interaction.client.name, csrf, error }));
}
