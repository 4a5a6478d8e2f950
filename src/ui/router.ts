import { Router } from 'express';
import type { AppDeps } from '../deps.ts';
import { consentRouter } from './consent.ts';
import { currentInteraction, nextStep } from './interaction.ts';
import { loginRouter } from './login.ts';
import { pickersRouter } from './pickers.ts';

/**
 * Server-rendered pages of the authorization flow. /interaction sends the
 * browser to its next step: /login, /select-patient, /select-encounter, /consent.
 */
export function interactionRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/interaction', async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    res.redirect(303, `/${nextStep(interaction)}`);
  });
  router.use(loginRouter(deps));
  router.use(pickersRouter(deps));
  router.use(consentRouter(deps));
  return router;
}
