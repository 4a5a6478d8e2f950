// The FHIR RESTful forms the API accepts (R4 http.html), turned into one typed request.
import type { Request } from 'express';
import type { FhirAccessRequest, FhirInteraction, SearchParam } from '../fhir-access/index.ts';
import { isFhirId, isServedResourceType, type BackendRequest } from '../fhir/index.ts';
import { FhirApiError } from './outcome.ts';

export interface FhirApiRequest {
  access: FhirAccessRequest;
  backend: BackendRequest;
}

const MAX_PARAMS = 100;
// Search parameter names: a code, optionally chained (`.`), with modifiers (`:exact`), or `_has:...`.
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_\-.:|]*$/;
// Result parameters the engine applies itself; `_format` is answered here (JSON only).
const FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);

export function parseSearchParams(text: string): SearchParam[] {
  const params: SearchParam[] = [];
  for (const [name, value] of new URLSearchParams(text)) {
    if (!PARAM_NAME.test(name)) throw new FhirApiError(400, 'invalid', `'${name.slice(0, 40)}' is not a search parameter name`);
    if (name === '_format') {
      if (!FORMATS.has(value)) throw new FhirApiError(406, 'not-supported', 'this server answers in JSON (application/fhir+json) only');
      continue;
    }
    params.push([name, value]);
  }
  if (params.length > MAX_PARAMS) throw new FhirApiError(400, 'too-costly', `at most ${MAX_PARAMS} search parameters`);
  return params;
}

function interactionOf(method: string, segments: string[]): FhirInteraction | undefined {
  const [, id, history, vid, ...rest] = segments;
  if (rest.length) return undefined;
  if (segments.length === 1) return method === 'GET' ? 'search-type' : method === 'POST' ? 'create' : undefined;
  if (id === '_search') return method === 'POST' && segments.length === 2 ? 'search-type' : undefined;
  // Type-level history (`Patient/_history`) is not offered: the embedded engine has none.
  if (id === '_history') return undefined;
  if (segments.length === 2) return ({ GET: 'read', PUT: 'update', DELETE: 'delete' } as const)[method as 'GET'];
  if (history !== '_history' || method !== 'GET') return undefined;
  return vid === undefined ? 'history-instance' : 'vread';
}

/**
 * `path` is relative to the FHIR base (`Patient/p001`). Unknown types are 404, unsupported
 * method/path pairs 405, malformed ids 400.
 */
export function parseFhirRequest(req: Request, path: string): FhirApiRequest {
  const segments = path.split('/').filter((s, i, all) => s !== '' || i < all.length - 1);
  const [resourceType = ''] = segments;
  if (!isServedResourceType(resourceType))
    throw new FhirApiError(404, 'not-supported', `resource type '${resourceType.slice(0, 64)}' is not served here (see /metadata)`);
  const interaction = interactionOf(req.method, segments);
  if (!interaction) throw new FhirApiError(405, 'not-supported', `${req.method} ${resourceType}/… is not an interaction this server supports`);
  const [, id, , vid] = segments;
  const hasId = interaction !== 'search-type' && interaction !== 'create';
  if (hasId && !isFhirId(id)) throw new FhirApiError(400, 'invalid', 'the resource id is not a FHIR id');
  if (vid !== undefined && !isFhirId(vid)) throw new FhirApiError(400, 'invalid', 'the version id is not a FHIR id');

  const queryText = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const formText = interaction === 'search-type' && req.method === 'POST' && typeof req.body === 'string' ? req.body : '';
  const params = parseSearchParams([queryText, formText].filter(Boolean).join('&'));
  const access: FhirAccessRequest = { interaction, resourceType, ...(hasId ? { id: id! } : {}), params };

  const backendPath = interaction === 'search-type' ? resourceType : segments.join('/');
  const method = interaction === 'search-type' ? 'GET' : (req.method as BackendRequest['method']);
  const backend: BackendRequest = { method, path: backendPath, query: params };
  if (interaction === 'create' || interaction === 'update') backend.body = bodyResource(req, resourceType, id);
  const ifMatch = req.headers['if-match'];
  if (typeof ifMatch === 'string') backend.ifMatch = ifMatch;
  return { access, backend };
}

/** The body of a create or update: a resource of the URL's type (and id, for update). */
function bodyResource(req: Request, resourceType: string, id: string | undefined): fhir4.Resource {
  const body = req.body as { resourceType?: unknown; id?: unknown } | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new FhirApiError(400, 'invalid', 'the body must be a FHIR resource in JSON (application/fhir+json)');
  if (body.resourceType !== resourceType) throw new FhirApiError(400, 'invalid', `the body must be a ${resourceType}`);
  if (id !== undefined && body.id !== id) throw new FhirApiError(400, 'invalid', 'the body\'s id must equal the id in the URL');
  return body as fhir4.Resource;
}
