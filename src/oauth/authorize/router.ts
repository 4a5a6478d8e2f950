import express, { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.ts';
import { standaloneContext } from '../../context/index.ts';
import { defaultSmartStyleUrl } from '../../style/index.ts';
import { createInteraction } from '../../store/interactions.ts';
import { findUserByFhirUser } from '../../store/users.ts';
import { setInteractionCookie } from './interaction.ts';
import { validateAuthorizationRequest } from './request.ts';

/**
 * /authorize by GET and by form POST (capability authorize-post). A valid
 * request becomes an interaction row; the browser holds only its id, in a cookie.
 */
export function authorizeRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 30 });

  const authorize = async (req: Request, res: Response, params: Record<string, unknown>) => {
    const request = await validateAuthorizationRequest(params, deps);
    // EHR launch: the EHR vouched for its user; a local account with that fhirUser supplies attributes.
    const vouched = request.launch?.fhirUser ?? null;
    const localUser = vouched ? await findUserByFhirUser(deps.db, vouched) : undefined;
    const id = await createInteraction(deps.db, {
      client_id: request.client.id,
      redirect_uri: request.redirectUri,
      requested_scope: request.scope,
      state: request.state,
      code_challenge: request.codeChallenge,
      aud: request.aud,
      nonce: request.nonce ?? null,
      launch_type: request.launch ? 'ehr' : 'standalone',
      launch_id_hash: request.launch?.idHash ?? null,
      // Standalone: the pickers add patient and encounter; the banner flag is set here (config.standalone).
      context: request.launch ? request.context : standaloneContext({}, deps.config.standalone.needPatientBanner, defaultSmartStyleUrl(deps.config)),
      launch_extra: request.launch?.extra ?? {},
      user_id: localUser && !localUser.disabled ? localUser.id : null,
      fhir_user: vouched,
      auth_time: vouched ? new Date() : null,
      expires_at: new Date(Date.now() + deps.config.interactions.lifetimeSeconds * 1000),
    });
    setInteractionCookie(res, deps, id);
    res.redirect(303, '/interaction');
  };

  router.get('/authorize', (req, res) => authorize(req, res, req.query as Record<string, unknown>));
  router.post('/authorize', form, (req, res) => authorize(req, res, (req.body ?? {}) as Record<string, unknown>));
  return router;
}
