// SMART App Launch 2.x scopes (scopes-and-launch-context): parse, validate, compare,
// negotiate and serialise. Pure: no I/O, never throws on bad input.
export type {
  AccessScope, ClinicalScope, GrantResult, GrantType, IdentityScope, LaunchScope, OtherScope,
  ParseManyResult, ParseResult, QueryParam, Scope, ScopeContext,
} from './types.ts';
export type { AccessRequest, Interaction } from './permissions.ts';
export { parseScope, parseScopes } from './parse.ts';
export { formatScope, serializeScopes } from './serialize.ts';
export { scopeList, scopeSet } from './tokens.ts';
export { coveredBy, hasScope, sameScope, scopeCovers } from './compare.ts';
export { negotiateScopes, narrowToGrant } from './negotiate.ts';
export { isPermitted } from './permissions.ts';
export { refreshAccess } from './access.ts';
export { FHIR_R4_RESOURCE_TYPES } from './resource-types.ts';
export { categoryChoices, type CategoryChoice, type CategoryOffer } from './categories.ts';
