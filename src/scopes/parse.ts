// Scope parsing per SMART App Launch 2.x, scopes-and-launch-context. Never throws: a
// malformed scope yields a reason fit for an OAuth `invalid_scope` error_description
// (RFC 6749 section 5.2 allows only %x20-21 / %x23-5B / %x5D-7E there, so no quotes).
import { parsePermissions } from './permission-letters.ts';
import { parseQuery } from './query.ts';
import { FHIR_R4_RESOURCE_TYPES, resourceTypeForLowerCase } from './resource-types.ts';
import type { ClinicalScope, LaunchScope, ParseManyResult, ParseResult, Scope, ScopeContext } from './types.ts';

// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const CLINICAL_PREFIX = /^(patient|user|system)\//;
// The `x/y.z` shape of a clinical scope with some other context, e.g. `group/Patient.rs`.
const CLINICAL_SHAPE = /^([A-Za-z]+)\/[A-Za-z*]*\.[A-Za-z*]*(\?.*)?$/;
const FIXED: ReadonlyMap<string, Scope> = new Map<string, Scope>([
  ['openid', { kind: 'identity', name: 'openid', raw: 'openid' }],
  ['fhirUser', { kind: 'identity', name: 'fhirUser', raw: 'fhirUser' }],
  ['profile', { kind: 'identity', name: 'profile', raw: 'profile' }],
  ['offline_access', { kind: 'access', name: 'offline_access', raw: 'offline_access' }],
  ['online_access', { kind: 'access', name: 'online_access', raw: 'online_access' }],
  ['launch', { kind: 'launch', raw: 'launch' }],
]);

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

// Reasons echo only parts of the token, which passed SCOPE_TOKEN, so they stay printable ASCII.
function invalid(raw: string, reason: string): ParseResult {
  return { ok: false, error: `invalid scope '${shorten(raw, 120)}': ${shorten(reason, 240)}` };
}

/**
 * Parses one scope token. Unrecognised but well-formed tokens are kept as `kind: 'other'`;
 * tokens that look like clinical or launch scopes but break their grammar are errors.
 *
 * @example
 * parseScope('patient/Observation.read');
 * // { ok: true, scope: { kind: 'clinical', context: 'patient', resourceType: 'Observation',
 * //   permissions: 'rs', syntax: 'v1', query: [], raw: 'patient/Observation.read' } }
 * parseScope('patient/Observation.sr'); // { ok: false, error: "invalid scope 'patient/Observation.sr': ...out of order..." }
 */
export function parseScope(raw: string): ParseResult {
  if (typeof raw !== 'string') return { ok: false, error: 'invalid scope: scope must be a string' };
  if (raw === '') return { ok: false, error: 'invalid scope: empty scope token' };
  if (!SCOPE_TOKEN.test(raw)) {
    const bad = [...raw].find((ch) => !SCOPE_TOKEN.test(ch)) ?? '';
    const code = (bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    return { ok: false, error: `invalid scope: a scope token may not contain U+${code} (RFC 6749 section 3.3)` };
  }
  const fixed = FIXED.get(raw);
  if (fixed !== undefined) return { ok: true, scope: { ...fixed } };
  if (raw.startsWith('launch/')) return parseLaunch(raw);
  const prefix = CLINICAL_PREFIX.exec(raw);
  if (prefix?.[1] !== undefined) return parseClinical(raw, prefix[1] as ScopeContext);
  const shape = CLINICAL_SHAPE.exec(raw);
  if (shape?.[1] !== undefined) {
    return invalid(raw, `unknown context '${shape[1]}' (clinical scopes begin with patient/, user/ or system/)`);
  }
  return { ok: true, scope: { kind: 'other', raw } };
}

function parseClinical(raw: string, context: ScopeContext): ParseResult {
  const rest = raw.slice(context.length + 1);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  const dot = path.indexOf('.');
  if (dot === -1) {
    return invalid(raw, path === ''
      ? 'missing resource type and permissions (e.g. patient/Observation.rs)'
      : `missing '.' and permissions after the resource type (e.g. ${context}/${path}.rs)`);
  }
  const resourceType = path.slice(0, dot);
  if (resourceType === '') return invalid(raw, "missing resource type before '.' (name a FHIR resource type, or *)");
  if (resourceType !== '*' && !FHIR_R4_RESOURCE_TYPES.has(resourceType)) {
    const hint = resourceTypeForLowerCase(resourceType);
    return invalid(raw, `unknown FHIR R4 resource type '${resourceType}'${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  const permissions = parsePermissions(path.slice(dot + 1));
  if (!permissions.ok) return invalid(raw, permissions.reason);
  let query: ClinicalScope['query'] = [];
  if (q !== -1) {
    if (permissions.syntax === 'v1') {
      return invalid(raw, 'a query needs v2 permissions (v1 read, write and * cannot be narrowed; e.g. use .rs?...)');
    }
    const parsed = parseQuery(rest.slice(q + 1));
    if (!parsed.ok) return invalid(raw, parsed.reason);
    query = parsed.params;
  }
  const scope: ClinicalScope = {
    kind: 'clinical', context, resourceType, permissions: permissions.letters, syntax: permissions.syntax, query, raw,
  };
  return { ok: true, scope };
}

// SMART 2.2: launch/<lowercase type>, with at most one ?role=<uri>.
function parseLaunch(raw: string): ParseResult {
  const rest = raw.slice('launch/'.length);
  const q = rest.indexOf('?');
  const context = q === -1 ? rest : rest.slice(0, q);
  if (context === '') return invalid(raw, "missing launch context after 'launch/' (e.g. launch/patient)");
  if (!/^[a-z]+$/.test(context)) {
    const lower = context.toLowerCase();
    return invalid(raw, /^[a-z]+$/.test(lower)
      ? `launch context names are lower case: use launch/${lower}`
      : 'a launch context is a lower-case resource type name, e.g. launch/diagnosticreport');
  }
  const scope: LaunchScope = { kind: 'launch', context, raw };
  const resourceType = resourceTypeForLowerCase(context);
  if (resourceType !== undefined) scope.resourceType = resourceType;
  if (q !== -1) {
    const parsed = parseQuery(rest.slice(q + 1));
    if (!parsed.ok) return invalid(raw, parsed.reason);
    const [first, ...more] = parsed.params;
    if (first === undefined || first[0] !== 'role') return invalid(raw, 'a launch scope takes only ?role=<uri>');
    if (more.length > 0) return invalid(raw, 'a launch scope carries at most one role (request one scope per role)');
    scope.role = first[1];
  }
  return { ok: true, scope };
}

/**
 * Splits a space-delimited scope string (RFC 6749 section 3.3) and parses each token;
 * the first malformed token makes the whole string an error. `''` parses to `[]`.
 *
 * @example
 * parseScopes('launch/patient openid fhirUser patient/*.rs');
 * // { ok: true, scopes: [ {kind:'launch',...}, {kind:'identity',...}, {kind:'identity',...}, {kind:'clinical',...} ] }
 * parseScopes('group/*.rs'); // { ok: false, error: "invalid scope 'group/*.rs': unknown context 'group' ..." }
 */
export function parseScopes(scopeString: string): ParseManyResult {
  if (typeof scopeString !== 'string') return { ok: false, error: 'invalid scope: scope must be a string' };
  const scopes: Scope[] = [];
  for (const token of scopeString.split(/ +/)) {
    if (token === '') continue;
    const parsed = parseScope(token);
    if (!parsed.ok) return parsed;
    scopes.push(parsed.scope);
  }
  return { ok: true, scopes };
}
