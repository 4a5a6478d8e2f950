// What the FHIR API forwards an already-authorised request to: the embedded engine or an
// upstream FHIR server (proxy mode). Both answer with FHIR JSON whose URLs name OUR FHIR base.
import type { SearchParam } from '../fhir-access/index.ts';

export interface BackendRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the FHIR base: `Patient/p001`, `Observation`, `Patient/p001/_history/2`. */
  path: string;
  query: readonly SearchParam[];
  body?: unknown;
  /** Conditional update/delete version (`If-Match`), passed through. */
  ifMatch?: string | undefined;
}

export interface BackendResponse {
  status: number;
  /** A resource, a Bundle, or an OperationOutcome; absent for an empty body. */
  body?: fhir4.Resource;
  location?: string;
  etag?: string;
  lastModified?: string;
}

export interface FhirBackend {
  /** `embedded` serves fhir-fixtures/ in process; `upstream` proxies FHIR_UPSTREAM_URL. */
  readonly kind: 'embedded' | 'upstream';
  /** Whether create, update and delete are offered. */
  readonly writable: boolean;
  /** Rejects with FhirUnavailableError (502) or FhirTimeoutError (504) when the upstream cannot answer. */
  handle(request: BackendRequest): Promise<BackendResponse>;
}
