import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { decodeJsonSegment } from '../../tokens/access-token.ts';
import type { AppDeps } from '../../deps.ts';
import type { Client } from '../../store/clients.ts';
import { invalidClient, type OAuthError } from '../errors.ts';
import type { ClientLookup } from './lookup.ts';
import { keysFor, verifyAssertionSignature } from './assertion-signature.ts';
import { clientKeySet, JwksUnavailableError, refreshAfterUnknownKid, type ClientKeySet } from './client-keys.ts';

/** Tolerated clock difference on `iat`, `nbf` and the 5-minute ceiling on `exp`. */
export const CLOCK_SKEW_SECONDS = 30;
/** SMART client-confidential-asymmetric: `exp` "no more than five minutes in the future". */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const MAX_JTI_LENGTH = 256;

/**
 * Prefix of every failure that depends on the client's registration. An
 * unknown, disabled or non-asymmetric client is treated as a client with no
 * keys, so its failures read exactly like a known client's unknown kid (or
 * `jku` mismatch): the answer never says which client ids exist.
 */
const UNVERIFIED = 'client assertion could not be verified';

/**
 * private_key_jwt (RFC 7523 §2.2 and §3, SMART App Launch
 * client-confidential-asymmetric). Checks the assertion's form and claims,
 * then its signature against the client's registered keys. Every failure is
 * invalid_client. Its jti is recorded by the caller, as assertion-replay.ts says.
 *
 * @example
 *   const { client, assertion } = await authenticateWithAssertion(deps, body.client_assertion, body.client_id, ['RS384', 'ES384'], { lookup });
 */
export async function authenticateWithAssertion(
  deps: AppDeps,
  assertion: unknown,
  bodyClientId: string | undefined,
  algorithms: readonly string[],
  options: { lookup: ClientLookup; audiences?: readonly string[] },
): Promise<{ client: Client; assertion: VerifiedAssertion }> {
  if (typeof assertion !== 'string') throw invalidClient('client_assertion must be sent once, as a JWT');
  const { header, claims } = decode(assertion);
  checkHeader(header, algorithms);
  const audiences = options.audiences ?? assertionAudiences(deps.config.issuer, '/token');
  const clientId = checkClaims(claims, audiences, bodyClientId);

  const found = await options.lookup.find(clientId);
  const client = found?.type === 'confidential-asymmetric' && !found.disabled ? found : undefined;
  if (!client && found)
    deps.logger.info(
      { client: clientId, type: found.type, disabled: found.disabled },
      'client assertion from a client that cannot use private_key_jwt',
    );

  if (header.jku !== undefined && (!client?.jwksUri || header.jku !== client.jwksUri))
    throw invalidClient(`${UNVERIFIED}: jku does not match the client's registered jwks_uri`);
  if (!client) throw unknownKid();

  await verifySignature(deps, client, assertion, header);

  return { client, assertion: { claims, jti: claims.jti!, expiresAt: new Date(claims.exp! * 1000) } };
}

/** A client assertion whose form, claims and signature were verified; its jti not yet recorded. */
export interface VerifiedAssertion {
  claims: JWTPayload;
  jti: string;
  expiresAt: Date;
}

function decode(assertion: string): { header: ProtectedHeaderParameters; claims: JWTPayload } {
  // A JWS in compact form: JWE and JSON serialisations are not client assertions.
  const parts = assertion.split('.');
  if (parts.length !== 3) throw invalidClient('client_assertion is not a signed JWT');
  const header = decodeJsonSegment(parts[0]!);
  const claims = decodeJsonSegment(parts[1]!);
  if (!header || !claims) throw invalidClient('client_assertion is not a well-formed JWT');
  return { header: header as ProtectedHeaderParameters, claims: claims as JWTPayload };
}

/** Header: `alg` one we accept (never `none`), `kid` present (SMART requires it), `typ` JWT when present. */
function checkHeader(header: ProtectedHeaderParameters, algorithms: readonly string[]): void {
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string') throw invalidClient('the client assertion header has no alg');
  if (alg.toLowerCase() === 'none') throw invalidClient('unsigned client assertions (alg none) are not accepted');
  if (!algorithms.includes(alg))
    throw invalidClient(`client assertion algorithm ${alg} is not supported; use one of ${algorithms.join(', ')}`);
  if (typeof kid !== 'string' || kid === '') throw invalidClient('the client assertion header must name its key (kid)');
  if (typ !== undefined && (typeof typ !== 'string' || typ.toUpperCase() !== 'JWT'))
    throw invalidClient('the client assertion typ must be JWT');
  if (header.jku !== undefined && typeof header.jku !== 'string') throw invalidClient('jku must be a URL');
  // RFC 7515 §4.1.11: extensions this server does not understand must be refused; RFC 7797 unencoded payloads are not client assertions.
  if (header.crit !== undefined || header.b64 !== undefined) throw invalidClient('the client assertion header uses extensions (crit, b64) this server does not support');
}

/**
 * The `aud` values an assertion sent to `endpointPath` may carry: the issuer,
 * the token endpoint, or that endpoint itself. RFC 7523 §3: the audience
 * identifies the authorization server, "the token endpoint URL ... MAY be
 * used"; openid-client and oauth4webapi send the issuer by default, and
 * oidc-provider accepts both.
 */
export function assertionAudiences(issuer: string, endpointPath: string): string[] {
  return [...new Set([issuer, `${issuer}/token`, `${issuer}${endpointPath}`])];
}

/** Claims: iss = sub = client_id, aud one of `audiences`, a short future exp, no future iat/nbf, a jti. Returns the client id. */
function checkClaims(claims: JWTPayload, accepted: readonly string[], bodyClientId: string | undefined): string {
  const { iss, sub, aud, exp, iat, nbf, jti } = claims;
  if (typeof iss !== 'string' || iss === '') throw invalidClient('the client assertion has no iss');
  if (sub !== iss) throw invalidClient('the client assertion iss and sub must both be the client_id');
  if (bodyClientId !== undefined && bodyClientId !== iss) throw invalidClient('client_id does not match the client assertion iss');

  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.some((a) => typeof a === 'string' && accepted.includes(a)))
    throw invalidClient(`the client assertion aud must be one of ${accepted.join(', ')}`);

  const now = Math.floor(Date.now() / 1000);
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalidClient('the client assertion has no exp');
  if (exp <= now) throw invalidClient('the client assertion has expired');
  if (exp > now + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS)
    throw invalidClient('the client assertion exp is more than 5 minutes ahead');
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + CLOCK_SKEW_SECONDS))
    throw invalidClient('the client assertion iat is in the future');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + CLOCK_SKEW_SECONDS))
    throw invalidClient('the client assertion is not valid yet (nbf)');
  if (typeof jti !== 'string' || jti === '') throw invalidClient('the client assertion has no jti');
  if (jti.length > MAX_JTI_LENGTH) throw invalidClient(`the client assertion jti is longer than ${MAX_JTI_LENGTH} characters`);
  return iss;
}

/**
 * The signature, with the key the header's kid selects among the client's
 * keys. An unknown kid on a jwks_uri client fetches the set again once
 * (keys rotated at the source), within the cache's refetch limit.
 */
async function verifySignature(deps: AppDeps, client: Client, assertion: string, header: ProtectedHeaderParameters) {
  const kid = header.kid!;
  const alg = header.alg!;
  let keys: ClientKeySet | undefined = await loadKeys(deps, client, () => clientKeySet(client));
  for (let attempt = 0; keys; attempt++) {
    // SMART: "exactly one key" must match the kid.
    if (keys.jwks.keys.filter((k) => k.kid === kid).length > 1)
      throw invalidClient(`${UNVERIFIED}: more than one registered key has the assertion's kid`);
    const [key] = keysFor(keys.jwks.keys, kid, alg);
    if (!key) {
      keys = attempt === 0 ? await loadKeys(deps, client, () => refreshAfterUnknownKid(client)) : undefined;
      continue;
    }
    const check = await verifyAssertionSignature(assertion, key, alg, deps.verifyOffThread);
    if (check.ok) return;
    if (check.reason !== 'bad signature') deps.logger.info({ client: client.id, kid, reason: check.reason }, 'client assertion refused');
    throw invalidClient(`${UNVERIFIED}: ${check.reason}`);
  }
  throw unknownKid();
}

async function loadKeys<T extends ClientKeySet | undefined>(deps: AppDeps, client: Client, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!(error instanceof JwksUnavailableError)) throw error;
    deps.logger.warn({ client: client.id, jwksUri: client.jwksUri, reason: error.message }, 'client JWKS unavailable');
    throw invalidClient(`${UNVERIFIED}: the client's keys could not be read`);
  }
}

const unknownKid = (): OAuthError => invalidClient(`${UNVERIFIED}: no registered key matches the assertion's kid and alg`);
