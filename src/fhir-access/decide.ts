// SMART App Launch 2.2 scopes-and-launch-context, applied by a resource server: which FHIR
// requests a token allows and what to add so that nothing outside its grant comes back.
// Pure: the HTTP edge verifies the token, asks here, then applies the answer.
import { isPermitted, type ClinicalScope, type ScopeContext } from '../scopes/index.ts';
import { patientConstraintValue } from './compartment.ts';
import type { AccessDecision, AccessModel, AccessToken, FhirAccessRequest, FhirInteraction, SearchParam } from './types.ts';

/** SMART 2.x permission letters: c create, r read/vread/instance history, u update, d delete, s search/type history. */
export const PERMISSION_LETTER: Readonly<Record<FhirInteraction, 'c' | 'r' | 'u' | 'd' | 's'>> = {
  create: 'c',
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  update: 'u',
  delete: 'd',
  'search-type': 's',
  'history-type': 's',
};

// A token's broadest context first: a user/ or system/ grant covers what the same patient/ grant would.
const CONTEXT_ORDER: readonly ScopeContext[] = ['system', 'user', 'patient'];

const refuse = (status: 400 | 403, error: 'insufficient_scope' | 'unsupported_parameter', reason: string): AccessDecision => ({
  allowed: false,
  status,
  error,
  reason,
});

/** Chained (`subject.name`) and reverse-chained (`_has:`) parameters reach into other resources, unconstrained. */
function reachesElsewhere([name]: SearchParam): boolean {
  return name.includes('.') || name.startsWith('_has:') || name === '_has';
}

function asRecord(params: readonly SearchParam[]): Record<string, string[]> {
  const record: Record<string, string[]> = {};
  for (const [name, value] of params) (record[name] ??= []).push(value);
  return record;
}

/** The scopes of one context that allow the letter on the type. */
function permitting(token: AccessToken, request: FhirAccessRequest): Map<ScopeContext, ClinicalScope[]> {
  const letter = PERMISSION_LETTER[request.interaction];
  const byContext = new Map<ScopeContext, ClinicalScope[]>();
  for (const scope of token.scopes) {
    if (scope.kind !== 'clinical' || !scope.permissions.includes(letter)) continue;
    if (scope.resourceType !== '*' && scope.resourceType !== request.resourceType) continue;
    byContext.set(scope.context, [...(byContext.get(scope.context) ?? []), scope]);
  }
  return byContext;
}

/** Prefer a context with an unrestricted (non-granular) scope, then the broadest. */
function chooseContext(byContext: Map<ScopeContext, ClinicalScope[]>): [ScopeContext, ClinicalScope[]] | undefined {
  const present = CONTEXT_ORDER.filter((c) => byContext.has(c));
  const unrestricted = present.find((c) => byContext.get(c)!.some((s) => s.query.length === 0));
  const context = unrestricted ?? present[0];
  return context ? [context, byContext.get(context)!] : undefined;
}

/**
 * SMART: several granular scopes on one type are ORed. A search that already meets one of
 * them runs as asked (plus that constraint); otherwise, when they all restrict the same single
 * parameter, their values are joined into one FHIR OR (`category=a,b`); otherwise the search
 * must name the alternative it wants.
 */
function granularConstraint(
  scopes: readonly ClinicalScope[],
  request: FhirAccessRequest,
): { ok: true; add: readonly SearchParam[] } | { ok: false; reason: string } {
  const params = asRecord(request.params ?? []);
  const met = scopes.find((s) => isPermitted([s], { resourceType: request.resourceType, interaction: 'search', params }));
  if (met) return { ok: true, add: met.query };
  const names = new Set(scopes.map((s) => (s.query.length === 1 ? s.query[0]![0] : '')));
  const [name] = names;
  if (names.size === 1 && name) return { ok: true, add: [[name, scopes.map((s) => s.query[0]![1]).join(',')]] };
  return { ok: false, reason: `the granted scopes allow only searches with one of: ${scopes.map((s) => s.raw).join(' ')}` };
}

/**
 * Decides one FHIR request for a verified token.
 *
 * - Scopes v1 and v2 alike (src/scopes stores v1 `read` as `rs`); the interaction's letter
 *   must be granted for the type (or `*`), else 403 insufficient_scope.
 * - The token's own `fhirUser` resource is readable by its user whatever the scopes.
 * - `patient/` scopes: resources of compartment types must belong to the token's patient;
 *   `user/` scopes: to one of the patients the user may see (`userPatients`); `system/`: any.
 *   Types outside the Patient compartment (Practitioner, Organization, Medication...) carry no
 *   patient's data and are not restricted.
 * - Granular scopes add their search-parameter restriction (ORed when several).
 * - A constrained search may not chain into other resources (400): the constraint binds only
 *   the searched type. `_include` and `_revinclude` are allowed: the edge checks every included
 *   resource against its own type's decision and drops what the token may not see.
 *
 * @example
 * decideAccess({ scopes, patient: 'p001', userPatients: 'any' },
 *   { interaction: 'search-type', resourceType: 'Observation', params: [['code', '8867-4']] }, model);
 * // { allowed: true, via: 'patient', addToSearch: [['subject', 'Patient/p001']], filter: {...} }
 */
export function decideAccess(token: AccessToken, request: FhirAccessRequest, model: AccessModel): AccessDecision {
  const { interaction, resourceType, id } = request;
  const ownRecord = token.fhirUser !== undefined && id !== undefined && token.fhirUser === `${resourceType}/${id}`;
  if (ownRecord && PERMISSION_LETTER[interaction] === 'r')
    return { allowed: true, via: 'fhirUser', addToSearch: [], filter: { all: [], anyOf: [] } };

  const chosen = chooseContext(permitting(token, request));
  if (!chosen) {
    const letter = PERMISSION_LETTER[interaction];
    return refuse(403, 'insufficient_scope', `no granted scope allows '${letter}' (${interaction}) on ${resourceType}`);
  }
  const [context, scopes] = chosen;

  const all: SearchParam[] = [];
  const param = model.compartmentParam(resourceType);
  if (param) {
    const patients = context === 'patient' ? (token.patient ? [token.patient] : []) : context === 'user' ? token.userPatients : 'any';
    if (patients !== 'any') {
      if (patients.length === 0) return refuse(403, 'insufficient_scope', `this token may see no patient's ${resourceType}`);
      all.push([param, patientConstraintValue(param, patients)]);
    }
  }
  const anyOf = scopes.some((s) => s.query.length === 0) ? [] : scopes.map((s) => s.query);

  let addToSearch: readonly SearchParam[] = [];
  if (interaction === 'search-type') {
    const constrained = all.length > 0 || anyOf.length > 0;
    const reaching = constrained ? (request.params ?? []).find(reachesElsewhere) : undefined;
    if (reaching)
      return refuse(400, 'unsupported_parameter', `'${reaching[0]}' searches other resources, which this token's constraints cannot bind`);
    const granular = anyOf.length ? granularConstraint(scopes, request) : { ok: true as const, add: [] };
    if (!granular.ok) return refuse(403, 'insufficient_scope', granular.reason);
    addToSearch = [...all, ...granular.add];
  }
  return { allowed: true, via: context, addToSearch, filter: { all, anyOf } };
}
