import { z } from 'zod';
import { namesNonPublicHost } from '../../http/public-address.ts';
import type { RegistrationConfig } from '../../config/index.ts';
import { coveredBy, parseScopes } from '../../scopes/index.ts';
import type { ClientRecord } from '../../store/clients.ts';
import { InvalidClientMetadata, InvalidRedirectUri } from '../errors.ts';

/**
 * RFC 7591 client metadata, checked against the registration policy of
 * smart-config/registration.json (pure: no I/O). What a SMART app registers:
 * redirect_uris, token_endpoint_auth_method, grant_types, scope, jwks or
 * jwks_uri, client_name (and the informational URIs). Unknown members are
 * ignored (RFC 7591 §2).
 */
const url = z.url({ error: 'must be an absolute URL' });
const jwk = z.looseObject({ kty: z.string() }).refine((k) => !('d' in k) && !('k' in k), 'a JWKS must hold public keys only');

export const clientMetadataSchema = z.looseObject({
  redirect_uris: z.array(z.string()).max(20).default([]),
  token_endpoint_auth_method: z.enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt']).default('client_secret_basic'),
  grant_types: z.array(z.string()).min(1).default(['authorization_code']),
  response_types: z.array(z.string()).default(['code']),
  client_name: z.string().min(1).max(200).optional(),
  scope: z.string().max(4096).optional(),
  jwks: z.strictObject({ keys: z.array(jwk).min(1).max(10) }).optional(),
  jwks_uri: url.optional(),
  client_uri: url.optional(),
  logo_uri: url.optional(),
  tos_uri: url.optional(),
  policy_uri: url.optional(),
  contacts: z.array(z.string().max(200)).max(10).optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(100).optional(),
});

export type ClientMetadata = z.output<typeof clientMetadataSchema>;

/** What is echoed back and kept (client.metadata.registration) besides the client record itself. */
const INFORMATIONAL = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'contacts', 'software_id', 'software_version'] as const;

const TYPE_OF_METHOD = {
  none: 'public',
  client_secret_basic: 'confidential-symmetric',
  client_secret_post: 'confidential-symmetric',
  private_key_jwt: 'confidential-asymmetric',
} as const;

const invalidMetadata = (description: string) => new InvalidClientMetadata(description);
const invalidRedirectUri = (description: string) => new InvalidRedirectUri(description);

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

function checkRedirectUri(raw: string, allowed: RegistrationConfig['policy']['redirectUriSchemes']): void {
  if (!URL.canParse(raw)) throw invalidRedirectUri(`${raw}: not an absolute URL`);
  const uri = new URL(raw);
  if (uri.hash) throw invalidRedirectUri(`${raw}: a redirect URI must not have a fragment (RFC 6749 §3.1.2)`);
  const ok =
    (uri.protocol === 'https:' && allowed.includes('https')) ||
    (uri.protocol === 'http:' && (allowed.includes('http') || (allowed.includes('http-loopback') && LOOPBACK.has(uri.hostname))));
  if (!ok) throw invalidRedirectUri(`${raw}: this server registers only ${allowed.join(', ')} redirect URIs`);
}

/**
 * The client record a registration gets, or the RFC 7591 error: invalid_redirect_uri
 * or invalid_client_metadata naming what the policy does not allow.
 */
export function checkRegistration(
  metadata: ClientMetadata,
  policy: RegistrationConfig['policy'],
): { record: ClientRecord; method: ClientMetadata['token_endpoint_auth_method'] } {
  const type = TYPE_OF_METHOD[metadata.token_endpoint_auth_method];
  if (!policy.clientTypes.includes(type))
    throw invalidMetadata(`token_endpoint_auth_method ${metadata.token_endpoint_auth_method}: this server registers only ${policy.clientTypes.join(', ')} clients`);
  for (const grant of metadata.grant_types)
    if (!(policy.grantTypes as string[]).includes(grant)) throw invalidMetadata(`grant_types: ${grant} is not allowed here (allowed: ${policy.grantTypes.join(', ')})`);
  if (metadata.response_types.some((r) => r !== 'code') || (metadata.grant_types.includes('authorization_code') && !metadata.response_types.includes('code')))
    throw invalidMetadata('response_types: only "code" is supported');
  if (metadata.grant_types.includes('client_credentials') && type !== 'confidential-asymmetric')
    throw invalidMetadata('grant_types: client_credentials (SMART Backend Services) needs private_key_jwt');
  if (metadata.grant_types.includes('authorization_code') && metadata.redirect_uris.length === 0)
    throw invalidRedirectUri('redirect_uris: the authorization_code grant needs at least one');
  for (const uri of metadata.redirect_uris) checkRedirectUri(uri, policy.redirectUriSchemes);

  if (type === 'confidential-asymmetric' && !metadata.jwks === !metadata.jwks_uri)
    throw invalidMetadata('private_key_jwt needs exactly one of jwks or jwks_uri');
  if (type !== 'confidential-asymmetric' && (metadata.jwks || metadata.jwks_uri))
    throw invalidMetadata(`jwks and jwks_uri are for private_key_jwt clients only`);
  // The server fetches a jwks_uri itself: only over https, and never from this machine or a
  // private network (a name is checked again, by its addresses, at each fetch: client-keys.ts).
  if (metadata.jwks_uri && new URL(metadata.jwks_uri).protocol !== 'https:') throw invalidMetadata('jwks_uri: must be an https URL');
  if (metadata.jwks_uri && namesNonPublicHost(new URL(metadata.jwks_uri).hostname))
    throw invalidMetadata('jwks_uri: must be on a public host (not localhost, a loopback, private or link-local address)');

  const scope = metadata.scope ?? policy.scope;
  const requested = parseScopes(scope);
  if (!requested.ok) throw invalidMetadata(`scope: ${requested.error}`);
  const allowed = parseScopes(policy.scope);
  const ceiling = allowed.ok ? allowed.scopes : [];
  const beyond = requested.scopes.filter((s) => !coveredBy(s, ceiling));
  if (beyond.length) throw invalidMetadata(`scope: ${beyond.map((s) => s.raw).join(' ')} is more than this server's registration policy allows`);

  const informational = Object.fromEntries(INFORMATIONAL.filter((k) => metadata[k] !== undefined).map((k) => [k, metadata[k]]));
  return {
    method: metadata.token_endpoint_auth_method,
    record: {
      name: metadata.client_name ?? 'Registered client',
      type,
      jwks: metadata.jwks as ClientRecord['jwks'],
      jwksUri: metadata.jwks_uri,
      redirectUris: metadata.redirect_uris,
      scope,
      grantTypes: metadata.grant_types,
      roles: [],
      consent: 'required',
      metadata: { registration: { token_endpoint_auth_method: metadata.token_endpoint_auth_method, ...informational } },
    },
  };
}
