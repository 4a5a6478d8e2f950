// The FHIR R4 REST endpoint at the FHIR base this service hands out as `iss` (by default
// <issuer>/fhir): metadata without a token, everything else with a Bearer token we issued,
// each request decided by src/fhir-access and audited.
import cors from 'cors';
import express, { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.ts';
import { decideAccess, patientCompartment, type AccessDecision, type AccessModel } from '../fhir-access/index.ts';
import { loadFhirDefinitions, type BackendResponse } from '../fhir/index.ts';
import { authenticateCaller, insufficientScope, type Caller } from './authenticate.ts';
import { capabilityStatement } from './capability.ts';
import { execute } from './execute.ts';
import { FhirApiError, fhirErrorHandler, sendError, sendFhir, toFhirApiError } from './outcome.ts';
import { parseFhirRequest, type FhirApiRequest } from './request.ts';

const WRITES = new Set(['create', 'update', 'delete']);

// Bearer tokens, never cookies: any origin may call (the token is the credential).
const anyOrigin = cors({
  origin: '*',
  methods: ['GET', 'POST', 'PUT', 'DELETE'],
  allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'If-Match', 'Prefer', 'X-Request-Id'],
  exposedHeaders: ['Location', 'ETag', 'Last-Modified', 'WWW-Authenticate', 'X-Request-Id'],
  maxAge: 600,
});

function sendBackendResponse(res: Response, response: BackendResponse): void {
  if (response.location) res.setHeader('Location', response.location);
  if (response.etag) res.setHeader('ETag', response.etag);
  if (response.lastModified) res.setHeader('Last-Modified', response.lastModified);
  sendFhir(res, response.status, response.body);
}

/**
 * One FHIR request, end to end: the token, the decision, the backend, the answer, the audit.
 * This is the gateway's whole cost on top of the FHIR engine or upstream server.
 */
export async function serveFhirRequest(req: Request, res: Response, deps: AppDeps, model: AccessModel): Promise<void> {
  let caller: Caller | undefined;
  let api: FhirApiRequest | undefined;
  let status: number;
  try {
    caller = await authenticateCaller(req, deps);
    api = parseFhirRequest(req, req.path.slice(1));
    const token = caller.token;
    const decision = decideAccess(token, api.access, model);
    if (!decision.allowed) throw refusal(decision, deps.config.fhirBaseUrl);
    if (WRITES.has(api.access.interaction) && !deps.fhirBackend.writable)
      throw new FhirApiError(405, 'not-supported', 'this FHIR server is read-only');
    const readDecision = (resourceType: string) => decideAccess(token, { interaction: 'read', resourceType }, model);
    const response = await execute(api, decision, { backend: deps.fhirBackend, readDecision });
    status = response.status;
    sendBackendResponse(res, response);
  } catch (thrown) {
    const error = toFhirApiError(thrown);
    if (error.status >= 500) req.log?.warn({ err: thrown }, 'FHIR request failed');
    status = error.status;
    sendError(res, error);
  }
  const outcome = status < 400 ? 'allowed' : status === 401 ? 'unauthenticated' : status === 403 ? 'refused' : 'failed';
  deps.metrics.fhirRequest(api?.access.interaction ?? 'unparsed', outcome);
  // Batched like introspection's: the app never waits for this insert.
  deps.auditBatch.add({
    event: 'fhir.accessed',
    clientId: caller?.clientId,
    userId: caller?.subject,
    patient: caller?.patient,
    requestId: req.id as string | undefined,
    details: {
      interaction: api?.access.interaction ?? req.method,
      resource_type: api?.access.resourceType,
      ...(api?.access.id ? { id: api.access.id } : {}),
      status,
      outcome,
    },
  });
}

function refusal(decision: Extract<AccessDecision, { allowed: false }>, realm: string): FhirApiError {
  return decision.status === 403 ? insufficientScope(realm, decision.reason) : new FhirApiError(400, 'not-supported', decision.reason);
}

/** The FHIR base path on this service's origin, or undefined when the FHIR base is elsewhere. */
export function fhirBasePath(deps: Pick<AppDeps, 'config'>): string | undefined {
  const base = new URL(deps.config.fhirBaseUrl);
  return base.origin === new URL(deps.config.issuer).origin ? base.pathname.replace(/\/+$/, '') : undefined;
}

export function fhirApiRouter(deps: AppDeps): Router {
  const router = Router();
  const basePath = fhirBasePath(deps);
  if (basePath === undefined) return router;
  let model: AccessModel | undefined;
  const api = Router();
  api.use(anyOrigin);
  api.get('/metadata', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    sendFhir(res, 200, capabilityStatement(deps));
  });
  api.use((req, _res, next) => (req.path.startsWith('/.well-known/') ? next('router') : next()));
  api.use(express.json({ type: ['application/fhir+json', 'application/json', 'application/json+fhir'], limit: '1mb' }));
  api.use(express.text({ type: 'application/x-www-form-urlencoded', limit: '64kb' }));
  api.all('/{*path}', (req, res) => serveFhirRequest(req, res, deps, (model ??= patientCompartment(loadFhirDefinitions().compartment))));
  api.use(fhirErrorHandler);
  router.use(basePath || '/', api);
  return router;
}
