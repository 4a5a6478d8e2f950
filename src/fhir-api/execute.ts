// Runs an allowed request against the backend and lets out only what the decision allows:
// searches carry the added constraints, and every resource that comes back (matches, _include
// and _revinclude entries, history versions, a read) is checked against its type's filter.
import type { AccessDecision, AccessToken, FhirAccessRequest, ResourceFilter } from '../fhir-access/index.ts';
import type { BackendResponse, FhirBackend } from '../fhir/index.ts';
import { isUnfiltered, matchesFilter } from './filter.ts';
import type { FhirApiRequest } from './request.ts';
import { FhirApiError } from './outcome.ts';

type Allowed = Extract<AccessDecision, { allowed: true }>;

export interface ExecuteContext {
  backend: FhirBackend;
  /** The decision for reading another type (included resources), for the same token. */
  readDecision(resourceType: string): AccessDecision;
}

const notFound = (what: string) => new FhirApiError(404, 'not-found', `${what} is not found, or not visible with this token`);

const isResource = (body: fhir4.Resource | undefined, type: string) => body?.resourceType === type;

/** Drops every entry this token may not see; keeps OperationOutcome entries (search warnings). */
function filterBundle(bundle: fhir4.Bundle, request: FhirAccessRequest, decision: Allowed, ctx: ExecuteContext): fhir4.Bundle {
  const filters = new Map<string, ResourceFilter | undefined>([[request.resourceType, decision.filter]]);
  const filterFor = (type: string) => {
    if (!filters.has(type)) {
      const other = ctx.readDecision(type);
      filters.set(type, other.allowed ? other.filter : undefined);
    }
    return filters.get(type);
  };
  const entry = (bundle.entry ?? []).filter((e) => {
    const resource = e.resource;
    if (!resource) return e.request !== undefined; // history: a delete has no resource
    if (resource.resourceType === 'OperationOutcome') return true;
    const filter = filterFor(resource.resourceType);
    return filter !== undefined && matchesFilter(resource, filter);
  });
  return { ...bundle, entry };
}

/** The target of read/update/delete/history as it is now; 404 when absent or not visible. */
async function visibleTarget(api: FhirApiRequest, decision: Allowed, ctx: ExecuteContext): Promise<BackendResponse | undefined> {
  const { resourceType, id } = api.access;
  const current = await ctx.backend.handle({ method: 'GET', path: `${resourceType}/${id}`, query: [] });
  if (current.status === 404 || current.status === 410) return undefined;
  if (current.status !== 200 || !isResource(current.body, resourceType)) return current;
  return matchesFilter(current.body!, decision.filter) ? current : undefined;
}

function mustWriteWithin(body: unknown, decision: Allowed): void {
  if (!matchesFilter(body as fhir4.Resource, decision.filter))
    throw new FhirApiError(403, 'forbidden', 'the resource is outside what this token may write (its patient or granular scope)');
}

export async function execute(api: FhirApiRequest, decision: Allowed, ctx: ExecuteContext): Promise<BackendResponse> {
  const { access, backend } = api;
  const label = `${access.resourceType}/${access.id ?? ''}`;
  switch (access.interaction) {
    case 'search-type':
    case 'history-type': {
      const query = access.interaction === 'search-type' ? [...backend.query, ...decision.addToSearch] : backend.query;
      const response = await ctx.backend.handle({ ...backend, query });
      if (response.status === 200 && isResource(response.body, 'Bundle'))
        response.body = filterBundle(response.body as fhir4.Bundle, access, decision, ctx);
      return response;
    }
    case 'read':
    case 'vread': {
      const response = await ctx.backend.handle(backend);
      if (response.status === 200 && isResource(response.body, access.resourceType) && !matchesFilter(response.body!, decision.filter))
        throw notFound(label);
      return response;
    }
    case 'history-instance': {
      if (!isUnfiltered(decision.filter) && !(await visibleTarget(api, decision, ctx))) throw notFound(label);
      const response = await ctx.backend.handle(backend);
      if (response.status === 200 && isResource(response.body, 'Bundle'))
        response.body = filterBundle(response.body as fhir4.Bundle, access, decision, ctx);
      return response;
    }
    case 'create':
      mustWriteWithin(backend.body, decision);
      return ctx.backend.handle(backend);
    case 'update':
      mustWriteWithin(backend.body, decision);
      if (!isUnfiltered(decision.filter)) {
        const current = await ctx.backend.handle({ method: 'GET', path: `${access.resourceType}/${access.id}`, query: [] });
        // Updating another patient's resource: as if it did not exist for this token.
        if (current.status === 200 && current.body && !matchesFilter(current.body, decision.filter)) throw notFound(label);
      }
      return ctx.backend.handle(backend);
    case 'delete':
      if (!isUnfiltered(decision.filter) && !(await visibleTarget(api, decision, ctx))) throw notFound(label);
      return ctx.backend.handle(backend);
  }
}

export type { AccessToken };
