// Deciding what a token grants: the request, narrowed by what the client is registered for
// and what the user approved, filtered by grant type.
import { coveredBy, intersectClinical, mergePieces, sameScope } from './compare.ts';
import { parseScope, parseScopes } from './parse.ts';
import { dedupeScopes, serializeScopes } from './serialize.ts';
import type { ClinicalScope, GrantResult, GrantType, Scope } from './types.ts';

// Backend services (client_credentials) have no user and no launch, so only system/ clinical
// scopes and server-defined scopes apply; system/ scopes need exactly that grant (SMART 2.x:
// "System-level scopes ... no user in the loop").
function allowedInGrant(scope: Scope, grantType: GrantType): boolean {
  if (grantType === 'client_credentials') {
    return scope.kind === 'other' || (scope.kind === 'clinical' && scope.context === 'system');
  }
  return scope.kind !== 'clinical' || scope.context !== 'system';
}

function narrow(requested: ClinicalScope, ceiling: readonly Scope[]): ClinicalScope[] {
  const pieces: ClinicalScope[] = [];
  for (const c of ceiling) {
    if (c.kind !== 'clinical') continue;
    const piece = intersectClinical(requested, c);
    if (piece !== undefined) pieces.push(piece);
  }
  return mergePieces(requested, pieces);
}

function grant(scopes: Scope[]): GrantResult {
  const granted = dedupeScopes(scopes);
  return { ok: true, granted, scope: serializeScopes(granted) };
}

/**
 * The scopes to grant for a request. Each requested clinical scope is narrowed to what the
 * client's registered scopes (and, when given, the user's approved tokens) also allow:
 * allowed `patient/*.rs` turns `patient/Observation.cruds` into `patient/Observation.rs`.
 * Launch, identity, access and other scopes are granted only when registered (and approved)
 * as the same exact token. Scopes the grant type excludes are dropped: `system/` only under
 * `client_credentials`, which in turn grants no `patient/`, `user/`, launch, identity or
 * access scopes. Result order is the request's, de-duplicated; a v1 request gets v1 back
 * unless the narrowed letters have no v1 word (e.g. `r` alone), when the v2 form is returned.
 * Errors only for malformed input; granting nothing is `{ ok: true, granted: [], scope: '' }`.
 *
 * @example
 * negotiateScopes({ requested: 'launch patient/*.cruds', clientAllowed: 'launch patient/*.rs',
 *   grantType: 'authorization_code' });
 * // { ok: true, scope: 'launch patient/*.rs', granted: [...] }
 */
export function negotiateScopes(input: NegotiationInput): GrantResult {
  // A backend service asks for the same scopes on every token: the answer, a pure function of
  // these strings, is kept (profiled: negotiation was ~5% of an RS384 backend token's CPU).
  const key = JSON.stringify([input.grantType, input.requested, input.clientAllowed, input.approved ?? null]);
  if (key.length > MEMO_MAX_KEY) return negotiate(input);
  let result = memo.get(key);
  if (!result) {
    result = Object.freeze(negotiate(input));
    // Shared by every caller from now on: none may change it.
    if (result.ok) Object.freeze(result.granted).forEach((scope) => Object.freeze(scope));
    if (memo.size >= MEMO_MAX_ENTRIES) memo.delete(memo.keys().next().value!);
    memo.set(key, result);
  }
  return result;
}

interface NegotiationInput {
  requested: string;
  clientAllowed: string;
  approved?: readonly string[];
  grantType: GrantType;
}

const memo = new Map<string, GrantResult>();
const MEMO_MAX_ENTRIES = 1_000;
const MEMO_MAX_KEY = 2_048;

function negotiate(input: NegotiationInput): GrantResult {
  const requested = parseScopes(input.requested);
  if (!requested.ok) return requested;
  const allowed = parseScopes(input.clientAllowed);
  if (!allowed.ok) return { ok: false, error: `client's registered scope is invalid: ${allowed.error}` };
  let approved: Scope[] | undefined;
  if (input.approved !== undefined) {
    approved = [];
    for (const token of input.approved) {
      const parsed = parseScope(token);
      if (!parsed.ok) return parsed;
      approved.push(parsed.scope);
    }
  }
  const granted: Scope[] = [];
  for (const scope of dedupeScopes(requested.scopes)) {
    if (!allowedInGrant(scope, input.grantType)) continue;
    if (scope.kind === 'clinical') {
      const approvedPieces = approved === undefined ? [scope] : narrow(scope, approved);
      const pieces = approvedPieces.flatMap((piece) => narrow(piece, allowed.scopes));
      granted.push(...mergePieces(scope, pieces));
    } else if (allowed.scopes.some((a) => sameScope(a, scope)) && (approved?.some((a) => sameScope(a, scope)) ?? true)) {
      granted.push(scope);
    }
  }
  return grant(granted);
}

/**
 * The grant for a refresh request (RFC 6749 section 6): every requested scope must be
 * covered by the original grant (`patient/Observation.rs` by `patient/*.read`), else an
 * error naming the first scope that is not. An empty `requested` means "the original grant".
 *
 * @example
 * narrowToGrant('patient/Observation.rs', 'openid patient/*.read'); // { ok: true, scope: 'patient/Observation.rs', ... }
 * narrowToGrant('patient/*.cruds', 'patient/*.rs');                 // { ok: false, error: "scope 'patient/*.cruds' ..." }
 */
export function narrowToGrant(requested: string, originalGrant: string): GrantResult {
  const original = parseScopes(originalGrant);
  if (!original.ok) return { ok: false, error: `original grant is invalid: ${original.error}` };
  const asked = parseScopes(requested);
  if (!asked.ok) return asked;
  if (asked.scopes.length === 0) return grant(original.scopes);
  const excess = asked.scopes.find((s) => !coveredBy(s, original.scopes));
  if (excess !== undefined) {
    return { ok: false, error: `scope '${excess.raw}' was not part of the original grant` };
  }
  return grant(asked.scopes);
}
