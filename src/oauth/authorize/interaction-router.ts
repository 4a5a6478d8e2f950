import { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { consentRouter } from './consent-step.ts';
import { encounterPickerRouter } from './encounter-picker.ts';
import { currentInteraction } from './interaction.ts';
import { patientPickerRouter } from './patient-picker.ts';
import { signInRouter } from './sign-in-step.ts';
import { nextStep } from './steps.ts';

/**
 * The steps between /authorize and the redirect back to the app. /interaction
 * sends the browser to its next step: /login, /select-patient, /select-encounter, /consent.
 */
export function interactionRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/interaction', async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    res.redirect(303, `/${nextStep(interaction)}`);
  });
  router.use(signInRouter(deps));
  router.use(patientPickerRouter(deps));
  router.use(encounterPickerRouter(deps));
  router.use(consentRouter(deps));
  return router;
}
