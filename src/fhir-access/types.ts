// The shapes the access rules decide on: a FHIR request, what a verified token says, and the answer.
import type { Scope } from '../scopes/index.ts';

/** FHIR R4 RESTful interactions the API serves (http.html). */
export type FhirInteraction =
  | 'read'
  | 'vread'
  | 'history-instance'
  | 'history-type'
  | 'search-type'
  | 'create'
  | 'update'
  | 'delete';

/** One search parameter as sent: `['category', 'laboratory']`; a name keeps its modifier (`code:text`). */
export type SearchParam = readonly [name: string, value: string];

export interface FhirAccessRequest {
  interaction: FhirInteraction;
  resourceType: string;
  id?: string;
  /** Decoded search parameters (query and POST _search body together), in order. */
  params?: readonly SearchParam[];
}

/** What the resource server knows about the caller once the token is verified. */
export interface AccessToken {
  /** The granted scopes, parsed with src/scopes. */
  scopes: readonly Scope[];
  /** The launch context's patient id (the token's `patient` claim). */
  patient?: string | undefined;
  /** The token's `fhirUser`, relative (`Practitioner/pr001`): present only when the `fhirUser` scope was granted. */
  fhirUser?: string | undefined;
  /**
   * The patients a user with `user/` scopes may see: their own record for a Patient user, the
   * linked patients for a RelatedPerson (the picker's rule, src/fhir patientsVisibleTo), or
   * `'any'` for a practitioner. Ignored for `patient/` and `system/` scopes.
   */
  userPatients: readonly string[] | 'any';
}

/**
 * Which resources of the type the token may see: every constraint in `all`, and (when
 * `anyOf` is not empty) all constraints of at least one of its entries. Empty means every resource.
 */
export interface ResourceFilter {
  all: readonly SearchParam[];
  anyOf: ReadonlyArray<readonly SearchParam[]>;
}

export type AccessDecision =
  | {
      allowed: true;
      /** Which rule allowed it. */
      via: 'system' | 'user' | 'patient' | 'fhirUser';
      /** Parameters to AND onto a search (or type history) before it runs. */
      addToSearch: readonly SearchParam[];
      /** What every resource returned, read, written or included must match. */
      filter: ResourceFilter;
    }
  | {
      allowed: false;
      /** 403 not enough scope; 400 a request form the rules cannot constrain safely. */
      status: 400 | 403;
      error: 'insufficient_scope' | 'unsupported_parameter';
      reason: string;
    };

/** The FHIR model facts the rules need, built from the definitions (see patientCompartment). */
export interface AccessModel {
  /**
   * The search parameter that ties a resource of this type to its patient (the Patient
   * CompartmentDefinition's, preferring `patient`); `_id` for Patient; undefined for types
   * outside the compartment (Practitioner, Organization, Location, Medication...).
   */
  compartmentParam(resourceType: string): string | undefined;
}
