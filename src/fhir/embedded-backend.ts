import type { EngineQuery, FhirEngine } from './engine.ts';
import type { BackendRequest, BackendResponse, FhirBackend } from './backend.ts';

/** The engine's page size when a search names none, and the most it returns in one page. */
export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

function toEngineQuery(query: BackendRequest['query']): EngineQuery {
  const result: EngineQuery = {};
  for (const [name, value] of query) {
    const previous = result[name];
    result[name] = previous === undefined ? value : [previous, value].flat();
  }
  return result;
}

/** `self` and `next` links and entry `fullUrl`s, which the in-memory engine leaves out. */
function linkSearchBundle(bundle: fhir4.Bundle, request: BackendRequest, fhirBaseUrl: string): fhir4.Bundle {
  const url = (params: ReadonlyArray<readonly [string, string]>) => {
    const search = new URLSearchParams(params.map(([n, v]): [string, string] => [n, v]));
    return `${fhirBaseUrl}/${request.path.replace(/\/_search$/, '')}${search.size ? `?${search}` : ''}`;
  };
  const count = Number(request.query.find(([n]) => n === '_count')?.[1] ?? DEFAULT_COUNT);
  const offset = Number(request.query.find(([n]) => n === '_offset')?.[1] ?? 0);
  const rest = request.query.filter(([n]) => n !== '_offset');
  const link: fhir4.BundleLink[] = [{ relation: 'self', url: url(request.query) }];
  if (bundle.total !== undefined && offset + count < bundle.total && count > 0)
    link.push({ relation: 'next', url: url([...rest, ['_offset', String(offset + count)]]) });
  const entry = bundle.entry?.map((e) => ({
    ...(e.resource ? { fullUrl: `${fhirBaseUrl}/${e.resource.resourceType}/${e.resource.id}` } : {}),
    ...e,
  }));
  return { ...bundle, link, ...(entry ? { entry } : {}) };
}

/**
 * The FHIR API's backend in embedded mode: requests go to the in-process engine. Writes are
 * allowed and live in this process's memory only (a restart brings the fixtures back).
 */
export function embeddedBackend(engine: FhirEngine, fhirBaseUrl: string): FhirBackend {
  return {
    kind: 'embedded',
    writable: true,
    async handle(request) {
      const query = toEngineQuery(request.query);
      const { status, body } = await engine.handle({
        method: request.method,
        path: request.path,
        query,
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      const resource = body as unknown as fhir4.Resource;
      const response: BackendResponse = { status, body: resource };
      if (resource.resourceType === 'Bundle' && (resource as fhir4.Bundle).type === 'searchset')
        response.body = linkSearchBundle(resource as fhir4.Bundle, request, fhirBaseUrl);
      const version = resource.meta?.versionId;
      if (version && resource.resourceType !== 'Bundle' && resource.resourceType !== 'OperationOutcome') {
        response.etag = `W/"${version}"`;
        if (resource.meta?.lastUpdated) response.lastModified = new Date(resource.meta.lastUpdated).toUTCString();
        if (status === 201) response.location = `${fhirBaseUrl}/${resource.resourceType}/${resource.id}/_history/${version}`;
      }
      return response;
    },
  };
}
