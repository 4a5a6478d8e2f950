import type { ClaimTarget } from './types.ts';

// RFC 7519 registered claims plus what this service always sets itself (RFC 9068 client_id and scope, RFC 7800 cnf).
const JWT_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'cnf'];
// OpenID Connect Core 1.0 section 2: ID token claims the service computes.
const ID_TOKEN_CLAIMS = [...JWT_CLAIMS, 'nonce', 'auth_time', 'azp', 'at_hash'];
// RFC 6749 sections 5.1 and 5.2, OIDC Core 3.1.3.3: the standard token response fields.
const TOKEN_RESPONSE_FIELDS = [
  'access_token',
  'token_type',
  'expires_in',
  'scope',
  'refresh_token',
  'id_token',
  'error',
  'error_description',
  'error_uri',
  'state',
];

/**
 * Names neither claims.json nor the issue-tokens hook may set, per target.
 * SMART context names (patient, encounter, tenant, ...) are not here: `mergeCustomClaims` lets the
 * launch context win instead.
 *
 * @example
 *   RESERVED.idToken.has('nonce'); // true
 *   RESERVED.accessToken.has('patient'); // false
 */
export const RESERVED: Readonly<Record<ClaimTarget, ReadonlySet<string>>> = Object.freeze({
  accessToken: new Set(JWT_CLAIMS),
  idToken: new Set(ID_TOKEN_CLAIMS),
  tokenResponse: new Set(TOKEN_RESPONSE_FIELDS),
  userinfo: new Set(['sub']),
});

/** Path segments that could reach an object's prototype: refused at load, never traversed. */
export const FORBIDDEN_PATH_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/** Assigning this key to a plain object replaces its prototype, so no claim or member may carry it. */
export const PROTO_KEY = '__proto__';
