// The embedded FHIR engine: @medplum/fhir-router's request router over its in-memory repository,
// loaded with fhir-fixtures/. It answers FHIR REST requests (read, vread, history, search, create,
// update, delete) as plain values, so the FHIR API, the pickers and the launch checks all read
// the same data through the same code, and a test can serve it over HTTP as a separate server.
import { getStatus, normalizeOperationOutcome } from '@medplum/core';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import { loadFhirDefinitions } from './definitions.ts';

export type EngineQuery = Record<string, string | string[]>;

export interface EngineRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the FHIR base, no leading slash: `Patient/p001`, `Observation`, `Patient/p001/_history/1`. */
  path: string;
  query?: EngineQuery;
  body?: unknown;
}

export interface EngineResponse {
  status: number;
  /** The resource, Bundle or OperationOutcome. */
  body: Resource;
}

export interface FhirEngine {
  handle(request: EngineRequest): Promise<EngineResponse>;
}

/**
 * A fresh engine holding a copy of `resources` (ids kept). Each call has its own repository, so
 * writes through one service never show in another.
 *
 * @example
 * const engine = createFhirEngine(allFixtureResources);
 * const { status, body } = await engine.handle({ method: 'GET', path: 'Patient', query: { name: 'smith' } });
 */
export function createFhirEngine(resources: readonly fhir4.Resource[]): FhirEngine {
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const seeded = repo.withSeeding(async () => {
    for (const resource of resources) await repo.createResource(structuredClone(resource) as Resource, { assignedId: true });
  });

  return {
    async handle(request) {
      // Loaded at the first request, not at start: most processes that start a service never search.
      loadFhirDefinitions();
      await seeded;
      const fhirRequest: FhirRequest = {
        method: request.method as HttpMethod,
        url: `/${request.path}${queryString(request.query)}`,
        pathname: '',
        body: request.body,
        params: {},
        query: {},
      };
      try {
        const [outcome, resource] = await router.handleRequest(fhirRequest, repo);
        return { status: getStatus(outcome), body: resource ?? outcome };
      } catch (error) {
        const outcome = normalizeOperationOutcome(error) as OperationOutcome;
        return { status: getStatus(outcome), body: outcome };
      }
    },
  };
}

/** Repeated parameters stay repeated (FHIR ANDs them). */
export function queryString(query: EngineQuery | undefined): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) for (const v of [value].flat()) search.append(name, v);
  const text = search.toString();
  return text ? `?${text}` : '';
}
