// Granular choices at consent (SMART 2.x scopes-and-launch-context, "finer-grained resource
// constraints using search parameters"): a resource-level scope on a type with categories can be
// granted whole or as one granular scope per chosen category.
import type { Scope } from './types.ts';

/** Resource type -> the search parameter to constrain and the categories to offer. */
export type CategoryOffer = Readonly<Record<string, { param: string; categories: ReadonlyArray<{ value: string; display: string }> }>>;

/** One category a user may grant instead of the whole type: the exact scope string and its label. */
export interface CategoryChoice {
  scope: string;
  display: string;
}

/**
 * The granular alternatives to `scope`: one per category of its resource type,
 * for a resource-level scope (`patient/Condition.rs`, not `patient/*.rs`) that
 * is not granular already. Granular scopes are v2 only, so a v1 scope's
 * alternatives are spelled in v2 (`patient/Condition.read` -> `patient/Condition.rs?...`).
 *
 * @example
 * categoryChoices(parsed('patient/Condition.rs'), offer)[1].scope;
 * // 'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis'
 */
export function categoryChoices(scope: Scope, offer: CategoryOffer): CategoryChoice[] {
  if (scope.kind !== 'clinical' || scope.resourceType === '*' || scope.query.length > 0) return [];
  const entry = Object.hasOwn(offer, scope.resourceType) ? offer[scope.resourceType] : undefined;
  if (!entry) return [];
  const base = `${scope.context}/${scope.resourceType}.${scope.permissions}`;
  return entry.categories.map((c) => ({ scope: `${base}?${entry.param}=${c.value}`, display: c.display }));
}
