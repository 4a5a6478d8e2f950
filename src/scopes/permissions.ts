// What a resource server may allow under a set of granted scopes (SMART 2.x permission
// letters: c create, r read/vread/history, u update/patch, d delete, s search/type history).
import type { QueryParam, Scope, ScopeContext } from './types.ts';

export type Interaction = 'create' | 'read' | 'update' | 'delete' | 'search';

export interface AccessRequest {
  /** Omit to accept a scope of any context. */
  context?: ScopeContext;
  resourceType: string;
  interaction: Interaction;
  /**
   * Decoded search parameters of a search; for other interactions, the values the server
   * established for the target resource (e.g. its category). Repeated parameters as arrays.
   */
  params?: Readonly<Record<string, string | readonly string[]>>;
}

const LETTER: Readonly<Record<Interaction, string>> = { create: 'c', read: 'r', update: 'u', delete: 'd', search: 's' };

// FHIR search: an unescaped comma separates alternatives (OR).
function alternatives(value: string): string[] {
  return value.split(/(?<!\\),/);
}

// A request value meets a constraint when each of its alternatives is one the constraint allows:
// `code=a` meets `code=a,b`; `code=a,c` does not.
function meets(value: string, constraint: string): boolean {
  const allowed = alternatives(constraint);
  return alternatives(value).every((v) => allowed.includes(v));
}

function satisfies(params: AccessRequest['params'], [name, constraint]: QueryParam): boolean {
  if (params === undefined || !Object.hasOwn(params, name)) return false;
  const given = params[name];
  const values: readonly string[] = typeof given === 'string' ? [given] : given ?? [];
  // Repeated parameters AND together, so one value within the constraint suffices.
  return values.some((v) => meets(v, constraint));
}

/**
 * Whether some granted clinical scope allows the interaction: matching context (when given),
 * resource type (or `*`) and permission letter. A granular scope (one with a query) allows it
 * only when `params` satisfies every constraint of its query: a parameter of the same name
 * whose value equals the constraint's value, or names only alternatives (comma-separated)
 * that the constraint lists. A request without such params is not allowed by a granular
 * scope, whatever the interaction; so for read, update and delete the resource server must
 * supply the target resource's values itself.
 *
 * @example
 * const parsed = parseScopes('patient/Observation.rs?category=laboratory');
 * const granted = parsed.ok ? parsed.scopes : [];
 * isPermitted(granted, { context: 'patient', resourceType: 'Observation', interaction: 'search',
 *   params: { category: 'laboratory' } }); // true
 * isPermitted(granted, { resourceType: 'Observation', interaction: 'search' }); // false: no category
 * isPermitted(granted, { resourceType: 'Observation', interaction: 'create' }); // false: no c
 */
export function isPermitted(granted: readonly Scope[], request: AccessRequest): boolean {
  const letter = LETTER[request.interaction];
  if (letter === undefined) return false;
  return granted.some((scope) =>
    scope.kind === 'clinical'
    && (request.context === undefined || scope.context === request.context)
    && (scope.resourceType === '*' || scope.resourceType === request.resourceType)
    && scope.permissions.includes(letter)
    && scope.query.every((c) => satisfies(request.params, c)));
}
