import { z } from 'zod';
import type { AnyRoute } from './routes.ts';
import { oauthError } from './schemas.ts';

/**
 * The OpenAPI 3.1 document of the admin API, built from the route list and
 * its zod schemas (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 uses).
 * Named schemas (`.meta({ id })`) become components; everything else is inline.
 */
type JsonSchema = Record<string, unknown>;

export const openApiPath = (expressPath: string) => `/admin${expressPath.replace(/:([A-Za-z_]+)/g, '{$1}')}`;

export function buildOpenApiDocument(routes: readonly AnyRoute[], issuer: string): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {};
  // Hoists $defs (named schemas) into components and points $refs there.
  const convert = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
    const { $schema: _schema, $defs, ...rest } = JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
    Object.assign(components, ($defs ?? {}) as Record<string, JsonSchema>);
    const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
    if (id) {
      components[id] = rest;
      return { $ref: `#/components/schemas/${id}` };
    }
    return rest;
  };
  const parameters = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!(schema instanceof z.ZodObject)) return [];
    return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
      const description = (z.globalRegistry.get(field) as { description?: string } | undefined)?.description;
      return {
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        ...(description ? { description } : {}),
        schema: convert(field, 'input'),
      };
    });
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(r.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { [response.contentType ?? 'application/json']: { schema: convert(response.schema, 'output') } } } : {}),
      };
    }
    const error = (description: string) => ({ description, content: { 'application/json': { schema: convert(oauthError, 'output') } } });
    if (r.params || r.query || r.body) responses['400'] ??= error('invalid_request: the input does not validate');
    if (!r.public) {
      responses['401'] ??= error('invalid_client: no or wrong client credentials');
      responses['403'] ??= error('access_denied: the client has no admin role');
    }
    if (r.params) responses['404'] ??= error('not_found');
    (paths[openApiPath(r.path)] ??= {})[r.method] = {
      operationId: operationId(r),
      summary: r.summary,
      tags: [r.tag],
      ...(r.public ? { security: [] } : {}),
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: convert(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'smart-launch admin API',
      version: '1',
      description:
        'Clients, users, launches, grants and audit events. Every route but this document needs a client with the `admin` role: ' +
        'HTTP Basic with its secret, or a private_key_jwt assertion (aud: the token endpoint) in `client_assertion_type` and ' +
        '`client_assertion` (query, or JSON body). Errors are OAuth-style JSON: `error`, `error_description`.',
    },
    servers: [{ url: issuer }],
    security: [{ clientSecretBasic: [] }, { privateKeyJwt: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        clientSecretBasic: { type: 'http', scheme: 'basic', description: 'client_id and client secret of an admin client' },
        privateKeyJwt: {
          type: 'apiKey',
          in: 'query',
          name: 'client_assertion',
          description: 'RFC 7523 client assertion, with client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        },
      },
    },
  };
}

function operationId(r: AnyRoute): string {
  const words = `${r.method} ${r.path}`.replace(/:[A-Za-z_]+/g, 'by-id').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}
