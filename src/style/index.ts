import { Router } from 'express';
import cors from 'cors';
import type { Config } from '../config/index.ts';

/**
 * The smart_style_url every launch without its own gets, EHR and standalone
 * alike (SMART App Launch 2.2, scopes-and-launch-context "styling").
 *
 * @example
 *   registerLaunch({ ..., smart_style_url: body.smart_style_url ?? defaultSmartStyleUrl(config) })
 */
export function defaultSmartStyleUrl(config: Config): string {
  return config.smartStyle.url;
}

/**
 * GET /smart-style/{version}.json: the default style document, immutable under
 * its versioned URL (a changed document gets a new URL), any origin; and
 * GET /smart-style.json, a redirect to the current version.
 */
export function smartStyleRouter(config: Config): Router {
  const router = Router();
  const { document, version } = config.smartStyle;
  router.get('/smart-style.json', cors(), (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.redirect(302, `/smart-style/${version}.json`);
  });
  router.get(`/smart-style/${version}.json`, cors(), (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.json(document);
  });
  return router;
}
