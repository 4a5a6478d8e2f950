/** Discovery: SMART configuration, OpenID configuration and RFC 8414 metadata, from one registry of endpoints. */
export { ENDPOINTS, enabledEndpoints, endpointUrl, type Endpoint } from './endpoints.ts';
export { CAPABILITIES, authorizationServerMetadata, openidConfiguration, smartConfiguration } from './metadata.ts';
export { discoveryRouter } from './router.ts';
