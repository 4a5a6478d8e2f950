import { Router, type Response } from 'express';
import cors from 'cors';
import type { AppDeps } from '../../deps.ts';
import { authorizationServerMetadata, openidConfiguration, smartConfiguration } from './metadata.ts';

/** Discovery documents and JWKS: public, cacheable, any origin (SMART: CORS for discovery). */
export function discoveryRouter(deps: AppDeps): Router {
  const router = Router();
  const anyOrigin = cors();
  const send = (body: () => object) => [anyOrigin, (_req: unknown, res: Response) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(body());
  }] as const;

  const smartPaths = ['/.well-known/smart-configuration'];
  const fhirBase = new URL(deps.config.fhirBaseUrl);
  if (fhirBase.origin === new URL(deps.config.issuer).origin && fhirBase.pathname !== '/')
    smartPaths.push(`${fhirBase.pathname}/.well-known/smart-configuration`);
  // RFC 8414 §3: for an issuer with a path, the well-known part goes before it.
  const issuerPath = new URL(deps.config.issuer).pathname.replace(/\/$/, '');
  const rfc8414Paths = [...new Set(['/.well-known/oauth-authorization-server', `/.well-known/oauth-authorization-server${issuerPath}`])];

  for (const path of smartPaths) router.get(path, ...send(() => smartConfiguration(deps)));
  router.get('/.well-known/openid-configuration', ...send(() => openidConfiguration(deps)));
  for (const path of rfc8414Paths) router.get(path, ...send(() => authorizationServerMetadata(deps)));
  router.get('/jwks', ...send(() => deps.keys.jwks));
  return router;
}
