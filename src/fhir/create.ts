import { fixtureDataSource } from './fixture-source.ts';
import type { FhirDataSource } from './types.ts';
import { upstreamDataSource } from './upstream-source.ts';

/**
 * The data source the service runs with: the upstream FHIR server when `upstreamUrl`
 * (FHIR_UPSTREAM_URL) is set, else the fixtures. A malformed URL throws at start.
 *
 * @example
 * const fhir = createFhirDataSource({ upstreamUrl: process.env.FHIR_UPSTREAM_URL });
 */
export function createFhirDataSource(options: { upstreamUrl?: string | undefined; timeoutMs?: number }): FhirDataSource {
  const upstreamUrl = options.upstreamUrl?.trim();
  if (!upstreamUrl) return fixtureDataSource();
  return upstreamDataSource(upstreamUrl, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
}
