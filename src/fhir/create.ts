import { allFixtureResources } from '../../fhir-fixtures/index.ts';
import type { FhirBackend } from './backend.ts';
import { embeddedBackend } from './embedded-backend.ts';
import { createFhirEngine } from './engine.ts';
import { embeddedDataSource } from './fixture-source.ts';
import type { FhirDataSource } from './types.ts';
import { upstreamDataSource } from './upstream-source.ts';
import { upstreamAuthorization, type UpstreamAuth } from './upstream-auth.ts';
import { DEFAULT_TIMEOUT_MS, parseBaseUrl } from './upstream-http.ts';
import { upstreamProxy } from './upstream-proxy.ts';

export interface FhirServerOptions {
  upstreamUrl?: string | undefined;
  timeoutMs?: number;
  /** Our FHIR base, which URLs in answers must name (config.fhirBaseUrl). */
  fhirBaseUrl?: string;
  /** How the proxy authenticates to the upstream server (default none). */
  upstreamAuth?: UpstreamAuth;
}

/**
 * The FHIR data the service runs with: the upstream FHIR server when `upstreamUrl`
 * (FHIR_UPSTREAM_URL) is set, else the embedded engine loaded with fhir-fixtures/. `dataSource`
 * serves the pickers and launch checks, `backend` the FHIR API; in embedded mode both read the
 * same engine. A malformed URL throws at start.
 */
export function createFhirServer(options: FhirServerOptions): { dataSource: FhirDataSource; backend: FhirBackend } {
  const upstreamUrl = options.upstreamUrl?.trim();
  const fhirBaseUrl = options.fhirBaseUrl ?? 'http://localhost/fhir';
  if (!upstreamUrl) {
    const engine = createFhirEngine(allFixtureResources);
    return { dataSource: embeddedDataSource(engine), backend: embeddedBackend(engine, fhirBaseUrl) };
  }
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  // One upstream credential (and one cached client_credentials token) for the pickers and the proxy.
  const { authorization: basic } = parseBaseUrl(upstreamUrl);
  const authorize = upstreamAuthorization(options.upstreamAuth ?? { kind: 'none' }, basic, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return {
    dataSource: upstreamDataSource(upstreamUrl, { ...timeout, authorize }),
    backend: upstreamProxy({ upstreamUrl, fhirBaseUrl, authorize, ...timeout }),
  };
}

/**
 * The pickers' data source alone (see createFhirServer).
 *
 * @example
 * const fhir = createFhirDataSource({ upstreamUrl: process.env.FHIR_UPSTREAM_URL });
 */
export function createFhirDataSource(options: { upstreamUrl?: string | undefined; timeoutMs?: number }): FhirDataSource {
  return createFhirServer(options).dataSource;
}
