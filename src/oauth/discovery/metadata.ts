import type { AppDeps } from '../../deps.ts';
import { ASSERTION_ALGORITHMS } from '../client-auth/index.ts';
import { GRANT_TYPES } from '../token.ts';
import { enabledEndpoints } from './endpoints.ts';

/**
 * SMART App Launch 2.2 capabilities this service really supports; each line is
 * covered by tests (test/http/discovery.test.ts). Add one only when the feature is wired.
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

const SCOPES = [
  'openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access',
  'patient/*.rs', 'user/*.rs', 'patient/*.cruds', 'user/*.cruds', 'patient/*.read', 'user/*.read',
  'system/*.rs', 'system/*.read',
];

/**
 * What every document shares (RFC 8414 §2 names): each endpoint, with the
 * client authentication methods and assertion algorithms it accepts, and the
 * grants, response types and PKCE methods the service implements.
 */
export function authorizationServerMetadata({ config }: AppDeps): Record<string, unknown> {
  const doc: Record<string, unknown> = { issuer: config.issuer };
  for (const endpoint of enabledEndpoints(config)) {
    doc[endpoint.field] = `${config.issuer}${endpoint.path}`;
    if (!endpoint.clientAuth) continue;
    const prefix = endpoint.field;
    doc[`${prefix}_auth_methods_supported`] = [...endpoint.clientAuth];
    if (endpoint.clientAuth.includes('private_key_jwt')) doc[`${prefix}_auth_signing_alg_values_supported`] = [...ASSERTION_ALGORITHMS];
  }
  return {
    ...doc,
    grant_types_supported: [...GRANT_TYPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: SCOPES,
  };
}

/** GET /.well-known/smart-configuration (SMART App Launch 2.2 conformance). */
export function smartConfiguration(deps: AppDeps) {
  return {
    ...authorizationServerMetadata(deps),
    capabilities: [...CAPABILITIES],
    id_token_signing_alg_values_supported: [deps.keys.idToken.alg],
  };
}

/** GET /.well-known/openid-configuration (OpenID Connect Discovery 1.0 §3). */
export function openidConfiguration(deps: AppDeps) {
  return {
    ...authorizationServerMetadata(deps),
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [deps.keys.idToken.alg],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'fhirUser', 'preferred_username'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}
