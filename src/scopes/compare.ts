// Coverage between scopes: does holding one scope give everything another asks for?
// Examples below write s('...') for a parsed scope and c('...') for a parsed clinical scope.
import { intersectLetters, lettersWithin, unionLetters, v1Word } from './permission-letters.ts';
import { includesAll, queryKey, sameParam } from './query.ts';
import { formatScope } from './serialize.ts';
import type { ClinicalScope, Scope } from './types.ts';
import { parseScope } from './parse.ts';

function clinicalCovers(granted: ClinicalScope, requested: ClinicalScope): boolean {
  return granted.context === requested.context
    && (granted.resourceType === '*' || granted.resourceType === requested.resourceType)
    && lettersWithin(requested.permissions, granted.permissions)
    // A granted constraint must also bind the request; extra request constraints only narrow it.
    && includesAll(requested.query, granted.query);
}

/**
 * Whether `granted` allows everything `requested` asks for. Clinical: same context
 * (`user/` never covers `patient/`, nor the reverse), `*` covers any type, permissions a
 * subset (v1 and v2 compared as letters), and every query constraint of `granted` present in
 * `requested` (values compared decoded). Other kinds: the same token exactly.
 *
 * @example
 * scopeCovers(s('patient/*.rs'), s('patient/Observation.r'));                      // true
 * scopeCovers(s('patient/Observation.rs'), s('patient/Observation.rs?category=x')); // true
 * scopeCovers(s('patient/Observation.rs?category=x'), s('patient/Observation.rs')); // false
 * scopeCovers(s('user/*.cruds'), s('patient/Patient.r'));                          // false
 */
export function scopeCovers(granted: Scope, requested: Scope): boolean {
  if (granted.kind === 'clinical' || requested.kind === 'clinical') {
    return granted.kind === 'clinical' && requested.kind === 'clinical' && clinicalCovers(granted, requested);
  }
  return granted.kind === requested.kind && granted.raw === requested.raw;
}

/**
 * Whether the union of `grant` covers `requested`: each permission letter of a clinical
 * scope may come from a different granted scope (`Observation.r Observation.s` covers `Observation.rs`).
 *
 * @example
 * coveredBy(s('patient/Observation.rs'), [s('patient/Observation.r'), s('patient/*.s')]); // true
 */
export function coveredBy(requested: Scope, grant: readonly Scope[]): boolean {
  if (requested.kind !== 'clinical') return grant.some((g) => scopeCovers(g, requested));
  return [...requested.permissions].every((letter) =>
    grant.some((g) => scopeCovers(g, { ...requested, permissions: letter })));
}

/**
 * Equality ignoring spelling: v1 and v2 forms, percent-encoding and query order.
 *
 * @example
 * sameScope(s('patient/Observation.read'), s('patient/Observation.rs')); // true
 * sameScope(s('patient/Observation.rs?a=1&b=%7C'), s('patient/Observation.rs?b=|&a=1')); // true
 */
export function sameScope(a: Scope, b: Scope): boolean {
  return scopeKey(a) === scopeKey(b);
}

function scopeKey(scope: Scope): string {
  if (scope.kind !== 'clinical') return `${scope.kind} ${scope.raw}`;
  return `clinical ${scope.context}/${scope.resourceType}.${scope.permissions}?${queryKey(scope.query)}`;
}

/**
 * Whether `scopes` hold the token `raw`: exact for launch, identity, access and other
 * scopes; for clinical scopes the same scope in any spelling (`patient/*.read` = `patient/*.rs`).
 *
 * @example
 * hasScope(scopes, 'launch/patient'); hasScope(scopes, 'openid'); hasScope(scopes, 'offline_access');
 */
export function hasScope(scopes: readonly Scope[], raw: string): boolean {
  const wanted = parseScope(raw);
  return wanted.ok && scopes.some((s) => sameScope(s, wanted.scope));
}

/**
 * The part of `requested` that `allowed` also permits, or undefined when they share nothing:
 * the more specific resource type, the common letters, and both sets of constraints (search
 * parameters AND together). Kept in v1 spelling when `requested` was v1 and still expressible.
 *
 * @example
 * intersectClinical(c('patient/*.cruds'), c('patient/Observation.rs'));      // patient/Observation.rs
 * intersectClinical(c('patient/*.read'), c('patient/Observation.r'));       // patient/Observation.r (v2: no v1 word for r)
 * intersectClinical(c('patient/Observation.rs'), c('user/Observation.rs')); // undefined
 */
export function intersectClinical(requested: ClinicalScope, allowed: ClinicalScope): ClinicalScope | undefined {
  if (requested.context !== allowed.context) return undefined;
  let resourceType: string;
  if (allowed.resourceType === '*' || allowed.resourceType === requested.resourceType) resourceType = requested.resourceType;
  else if (requested.resourceType === '*') resourceType = allowed.resourceType;
  else return undefined;
  const permissions = intersectLetters(requested.permissions, allowed.permissions);
  if (permissions === '') return undefined;
  const extra = allowed.query.filter((a) => !requested.query.some((r) => sameParam(a, r)));
  return rebuild(requested, { resourceType, permissions, query: [...requested.query, ...extra] });
}

/**
 * A clinical scope derived from `origin`, spelled in v1 only when `origin` was v1 and v1 can
 * say it; `origin` itself when nothing changed, so its `raw` survives.
 *
 * @example
 * rebuild(c('patient/*.read'), { resourceType: 'Observation', permissions: 'rs', query: [] }); // patient/Observation.read
 */
export function rebuild(origin: ClinicalScope, parts: Pick<ClinicalScope, 'resourceType' | 'permissions' | 'query'>): ClinicalScope {
  const v1 = origin.syntax === 'v1' && parts.query.length === 0 && v1Word(parts.permissions) !== undefined;
  const scope: ClinicalScope = { kind: 'clinical', context: origin.context, ...parts, syntax: v1 ? 'v1' : 'v2', raw: '' };
  scope.raw = formatScope(scope);
  return sameScope(scope, origin) && scope.syntax === origin.syntax ? origin : scope;
}

/**
 * Tidies the pieces one requested scope narrowed to: pieces differing only in letters are
 * merged (`Observation.r` + `Observation.s` = `Observation.rs`), and pieces another piece
 * covers are dropped. First-seen order is kept.
 *
 * @example
 * mergePieces(c('patient/*.read'), [c('patient/Observation.r'), c('patient/Observation.s')]); // [patient/Observation.read]
 */
export function mergePieces(origin: ClinicalScope, pieces: readonly ClinicalScope[]): ClinicalScope[] {
  const groups = new Map<string, ClinicalScope>();
  for (const piece of pieces) {
    const key = `${piece.resourceType}?${queryKey(piece.query)}`;
    const seen = groups.get(key);
    const permissions = seen === undefined ? piece.permissions : unionLetters(seen.permissions, piece.permissions);
    groups.set(key, rebuild(origin, { resourceType: piece.resourceType, permissions, query: seen?.query ?? piece.query }));
  }
  const merged = [...groups.values()];
  return merged.filter((p, i) => !merged.some((q, j) => j !== i && clinicalCovers(q, p) && (!clinicalCovers(p, q) || j < i)));
}
