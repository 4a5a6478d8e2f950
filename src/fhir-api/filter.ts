// Checks a resource against a ResourceFilter with the engine's own search matcher
// (@medplum/core matchesSearchRequest), so "would a search find it" and "may it be read" agree.
import { matchesSearchRequest, parseSearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceFilter, SearchParam } from '../fhir-access/index.ts';
import { loadFhirDefinitions } from '../fhir/index.ts';

function matchesAll(resource: fhir4.Resource, params: readonly SearchParam[]): boolean {
  if (params.length === 0) return true;
  const query = new URLSearchParams(params.map(([n, v]): [string, string] => [n, v]));
  return matchesSearchRequest(resource as Resource, parseSearchRequest(`${resource.resourceType}?${query}`));
}

export function matchesFilter(resource: fhir4.Resource, filter: ResourceFilter): boolean {
  loadFhirDefinitions();
  if (!matchesAll(resource, filter.all)) return false;
  return filter.anyOf.length === 0 || filter.anyOf.some((params) => matchesAll(resource, params));
}

export const isUnfiltered = (filter: ResourceFilter) => filter.all.length === 0 && filter.anyOf.length === 0;
