// GET [base]/metadata: the CapabilityStatement (R4 capabilitystatement.html) of what really
// works here, with SMART's security block (SMART App Launch 2.2 conformance: the `SMART-on-FHIR`
// service and the oauth-uris extension).
import type { SearchParameter } from '@medplum/fhirtypes';
import type { AppDeps } from '../deps.ts';
import { loadFhirDefinitions, SERVED_RESOURCE_TYPES, type FhirBackend } from '../fhir/index.ts';
import { endpointUrl } from '../oauth/discovery/index.ts';

const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

function searchParams(resourceType: string): fhir4.CapabilityStatementRestResourceSearchParam[] {
  return (loadFhirDefinitions().searchParameters.entry ?? [])
    .map((e) => e.resource as SearchParameter)
    .filter((sp) => sp.base?.includes(resourceType as never) && sp.code && sp.type)
    .map((sp) => ({ name: sp.code!, definition: sp.url, type: sp.type as fhir4.CapabilityStatementRestResourceSearchParam['type'] }));
}

function interactions(backend: FhirBackend): fhir4.CapabilityStatementRestResourceInteraction[] {
  const codes = ['read', 'vread', 'history-instance', 'search-type', ...(backend.writable ? ['create', 'update', 'delete'] : [])];
  return codes.map((code) => ({ code: code as fhir4.CapabilityStatementRestResourceInteraction['code'] }));
}

export function capabilityStatement(deps: Pick<AppDeps, 'config' | 'fhirBackend'>): fhir4.CapabilityStatement {
  const { config, fhirBackend } = deps;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-01',
    kind: 'instance',
    software: { name: 'smart-launch' },
    implementation: { description: `SMART on FHIR gateway (${fhirBackend.kind} data)`, url: config.fhirBaseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
          service: [
            {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
              text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
            },
          ],
          extension: [
            {
              url: OAUTH_URIS,
              extension: [
                { url: 'authorize', valueUri: endpointUrl(config, 'authorization_endpoint') },
                { url: 'token', valueUri: endpointUrl(config, 'token_endpoint') },
                { url: 'introspect', valueUri: endpointUrl(config, 'introspection_endpoint') },
                { url: 'revoke', valueUri: endpointUrl(config, 'revocation_endpoint') },
              ],
            },
          ],
        },
        resource: SERVED_RESOURCE_TYPES.map((type) => ({
          type,
          interaction: interactions(fhirBackend),
          versioning: 'versioned',
          readHistory: true,
          searchParam: searchParams(type),
        })),
      },
    ],
  };
}
