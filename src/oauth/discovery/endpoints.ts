import type { Config } from '../../config/index.ts';
import { CLIENT_AUTH_METHODS, type ClientAuthMethod } from '../client-auth/index.ts';

/** One endpoint this service serves, as discovery documents name it. */
export interface Endpoint {
  /** The metadata name (RFC 8414 §2, OpenID Connect Discovery §3, SMART 2.2 conformance). */
  field: string;
  /** Path below the issuer. */
  path: string;
  /** The method a client calls it with (the route test checks it is wired). */
  method: 'GET' | 'POST';
  /** Client authentication it accepts: advertised as `<field>_auth_methods_supported` (RFC 8414 §2). */
  clientAuth?: readonly ClientAuthMethod[];
  /** Listed only when this holds for the running config (e.g. an optional feature switched on). */
  enabled?: (config: Config) => boolean;
}

const CONFIDENTIAL = CLIENT_AUTH_METHODS.filter((m) => m !== 'none');

/**
 * Every endpoint the discovery documents list. The SMART configuration, the
 * OpenID configuration and the RFC 8414 metadata are all built from this, so
 * adding an endpoint is one entry here.
 */
export const ENDPOINTS: readonly Endpoint[] = [
  { field: 'authorization_endpoint', path: '/authorize', method: 'GET' },
  { field: 'token_endpoint', path: '/token', method: 'POST', clientAuth: CLIENT_AUTH_METHODS },
  { field: 'jwks_uri', path: '/jwks', method: 'GET' },
  { field: 'userinfo_endpoint', path: '/userinfo', method: 'GET' },
  // RFC 7662 §2.1: resource servers authenticate (a bearer token of an introspector client also works).
  { field: 'introspection_endpoint', path: '/introspect', method: 'POST', clientAuth: CONFIDENTIAL },
  // RFC 7009 §2.1: public clients identify themselves with client_id.
  { field: 'revocation_endpoint', path: '/revoke', method: 'POST', clientAuth: CLIENT_AUTH_METHODS },
];

/** The endpoints the running config enables. */
export function enabledEndpoints(config: Config): Endpoint[] {
  return ENDPOINTS.filter((e) => e.enabled?.(config) ?? true);
}

/** The absolute URL of a registered endpoint, by its metadata name (e.g. for the CapabilityStatement's oauth-uris). */
export function endpointUrl(config: Pick<Config, 'issuer'>, field: string): string {
  const endpoint = ENDPOINTS.find((e) => e.field === field);
  if (!endpoint) throw new Error(`no endpoint ${field} in the discovery registry`);
  return `${config.issuer}${endpoint.path}`;
}
