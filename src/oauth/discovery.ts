import { Router } from 'express';
import cors from 'cors';
import type { AppDeps } from '../app.ts';
import { CLIENT_AUTH_METHODS, ASSERTION_ALGORITHMS } from './client-auth/index.ts';
import { GRANT_TYPES } from './token.ts';

/**
 * SMART App Launch 2.2 capabilities this service really supports; each line is
 * covered by tests. Add one only when the feature is wired.
 */
export const CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-standalone-encounter',
  'context-banner',
  'context-style',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'sso-openid-connect',
] as const;

export const ENDPOINTS = {
  authorization_endpoint: '/authorize',
  token_endpoint: '/token',
  jwks_uri: '/jwks',
  introspection_endpoint: '/introspect',
  revocation_endpoint: '/revoke',
  userinfo_endpoint: '/userinfo',
} as const;

export function smartConfiguration({ config, keys }: AppDeps) {
  const url = (path: string) => `${config.issuer}${path}`;
  return {
    issuer: config.issuer,
    ...(Object.fromEntries(Object.entries(ENDPOINTS).map(([name, path]) => [name, url(path)])) as Record<keyof typeof ENDPOINTS, string>),
    grant_types_supported: [...GRANT_TYPES],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    ...(ASSERTION_ALGORITHMS.length ? { token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS] } : {}),
    scopes_supported: [
      'openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access',
      'patient/*.rs', 'user/*.rs', 'patient/*.cruds', 'user/*.cruds', 'patient/*.read', 'user/*.read',
      'system/*.rs', 'system/*.read',
    ],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    capabilities: [...CAPABILITIES],
    id_token_signing_alg_values_supported: [keys.idToken.alg],
    // RFC 7591: only while smart-config/registration.json enables it.
    ...(config.registration.enabled ? { registration_endpoint: url('/register') } : {}),
  };
}

function openidConfiguration(deps: AppDeps) {
  const smart = smartConfiguration(deps);
  return {
    issuer: smart.issuer,
    authorization_endpoint: smart.authorization_endpoint,
    token_endpoint: smart.token_endpoint,
    jwks_uri: smart.jwks_uri,
    userinfo_endpoint: smart.userinfo_endpoint,
    response_types_supported: smart.response_types_supported,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [deps.keys.idToken.alg],
    scopes_supported: ['openid', 'fhirUser', 'profile', 'offline_access', 'online_access'],
    token_endpoint_auth_methods_supported: smart.token_endpoint_auth_methods_supported,
    code_challenge_methods_supported: smart.code_challenge_methods_supported,
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'fhirUser'],
    grant_types_supported: smart.grant_types_supported,
    ...('registration_endpoint' in smart ? { registration_endpoint: smart.registration_endpoint } : {}),
  };
}

/** Discovery documents and JWKS: public, cacheable, any origin (SMART: CORS for discovery). */
export function discoveryRouter(deps: AppDeps): Router {
  const router = Router();
  const anyOrigin = cors();
  const send = (body: () => object) => [anyOrigin, (_req: unknown, res: import('express').Response) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(body());
  }] as const;

  const smartPaths = ['/.well-known/smart-configuration'];
  const fhirBase = new URL(deps.config.fhirBaseUrl);
  if (fhirBase.origin === new URL(deps.config.issuer).origin && fhirBase.pathname !== '/')
    smartPaths.push(`${fhirBase.pathname}/.well-known/smart-configuration`);

  for (const path of smartPaths) router.get(path, ...send(() => smartConfiguration(deps)));
  router.get('/.well-known/openid-configuration', ...send(() => openidConfiguration(deps)));
  router.get(ENDPOINTS.jwks_uri, ...send(() => deps.keys.jwks));
  return router;
}
