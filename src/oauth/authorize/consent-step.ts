import express, { Router } from 'express';
import type { AppDeps } from '../../deps.ts';
import { issueCsrfToken } from '../../store/interactions.ts';
import { consentPage } from '../../ui/consent.ts';
import { approvedScopes, consentOffer } from './consent-offer.ts';
import { approveInteraction, denyInteraction } from './finish.ts';
import { interactionAt } from './interaction.ts';

/**
 * The consent step: the page offers the negotiated scopes; the user may untick
 * some (not `launch`), approve or deny. Trusted clients skip it.
 */
export function consentRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 200 });

  router.get('/consent', async (req, res) => {
    const interaction = await interactionAt(req, res, deps, 'consent');
    if (!interaction) return;
    if (interaction.client.consent === 'trusted')
      return res.redirect(303, await approveInteraction(deps, interaction, undefined, req.id as string));
    const csrf = await issueCsrfToken(deps.db, interaction.row.id_hash);
    res.type('html').send(consentPage(await consentOffer(deps, interaction), csrf));
  });

  router.post('/consent', form, async (req, res) => {
    const interaction = await interactionAt(req, res, deps, 'consent');
    if (!interaction) return;
    const body = req.body as Record<string, unknown>;
    if (body.decision !== 'approve') return denyInteraction(deps, interaction, req.id as string);
    const ticked = ([] as unknown[]).concat(body.scope ?? []).filter((s): s is string => typeof s === 'string');
    res.redirect(303, await approveInteraction(deps, interaction, approvedScopes(interaction, ticked), req.id as string));
  });
  return router;
}
