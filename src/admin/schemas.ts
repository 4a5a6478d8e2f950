import { z } from 'zod';
import { checkClientShape, clientFields } from '../config/schema.ts';

/**
 * The admin API's inputs and outputs: validated at the edge with these, and
 * documented from these (openapi.ts), so the document cannot drift from the checks.
 * Client fields are spelled as in smart-config/clients.json.
 */

const defaultsRemoved = <S extends z.ZodRawShape>(shape: S) =>
  Object.fromEntries(
    Object.entries(shape).map(([k, v]) => [k, (v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : (v as z.ZodType)).optional()]),
  ) as unknown as { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer I> ? I : S[K]> };

// ---- paging
const cursor = z.string().min(1).max(512).optional().meta({ description: 'next_cursor of the previous page' });
/** Items per page from the query string; one message for any bad value (coercion alone says "received NaN" for `limit=ten`). */
const pageLimit = (max: number, fallback: number, description: string) => {
  const message = `must be a whole number from 1 to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(1, message).max(max, message).default(fallback).meta({ description });
};
export const pageQuery = z.strictObject({
  limit: pageLimit(200, 50, 'Items per page (1-200)'),
  cursor,
});
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable().meta({ description: 'null on the last page' }) });

const id = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ ~ -');
export const idParams = z.strictObject({ id });
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

// ---- clients
export const clientCreate = clientFields.superRefine(checkClientShape);
export const clientPatch = z.strictObject(defaultsRemoved(clientFields.omit({ id: true, type: true, disabled: true }).shape));
export const clientListQuery = pageQuery.extend({
  source: z.enum(['config', 'admin', 'registration']).optional(),
  role: z.enum(['launch-registrar', 'introspector', 'admin']).optional(),
  disabled: flag.optional(),
});
export const secretRotation = z.strictObject({
  overlapSeconds: z.number().int().min(0).max(30 * 86_400).default(0)
    .meta({ description: 'How long the old secret keeps working (0: it stops at once)' }),
});
export const clientView = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(['public', 'confidential-symmetric', 'confidential-asymmetric']),
    source: z.enum(['config', 'admin', 'registration']),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable(),
    jwksUri: z.string().nullable(),
    redirectUris: z.array(z.string()),
    launchUri: z.string().nullable(),
    scope: z.string(),
    grantTypes: z.array(z.string()),
    roles: z.array(z.string()),
    consent: z.enum(['required', 'trusted']),
    metadata: z.record(z.string(), z.unknown()),
    disabled: z.boolean(),
    previousSecretExpiresAt: z.string().nullable().meta({ description: 'Until when a rotated secret still works' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Client' });
export const clientWithSecret = z.object({
  client: clientView,
  secret: z.string().optional().meta({ description: 'The new client secret, shown only in this response' }),
});

// ---- users
const fhirUser = z
  .string()
  .regex(/^(Practitioner|Patient|RelatedPerson|Person)\/[A-Za-z0-9.-]{1,64}$/, 'must be Practitioner/<id>, Patient/<id>, RelatedPerson/<id> or Person/<id>');
const password = z.string().min(10, 'must be at least 10 characters').max(256);
export const userCreate = z.strictObject({
  id: id.optional().meta({ description: 'Default: a new UUID' }),
  username: z.string().min(1).max(128),
  password: password.optional().meta({ description: 'Default: a generated password, shown once in the response' }),
  fhirUser: fhirUser.optional(),
  attributes: z.record(z.string(), z.unknown()).default({}),
});
export const userPatch = z.strictObject({
  attributes: z.record(z.string(), z.unknown()).optional().meta({ description: 'JSON merge patch: null removes an attribute' }),
  fhirUser: fhirUser.nullable().optional(),
});
export const passwordReset = z.strictObject({ password: password.optional() });
export const userListQuery = pageQuery.extend({ disabled: flag.optional() });
export const userView = z
  .object({
    id: z.string(),
    username: z.string(),
    fhirUser: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    demo: z.boolean(),
    disabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'User' });
export const userWithPassword = z.object({
  user: userView,
  password: z.string().optional().meta({ description: 'A generated password, shown only in this response' }),
});

// ---- launches
export const launchListQuery = pageQuery.extend({
  client: z.string().optional().meta({ description: 'The app the launch is for' }),
  registeredBy: z.string().optional(),
  patient: z.string().optional(),
  status: z.enum(['active', 'expired', 'cancelled']).optional(),
});
export const launchView = z
  .object({
    id: z.string().meta({ description: 'The stored hash of the launch value (the value itself is never stored)' }),
    status: z.enum(['active', 'expired', 'cancelled']),
    registeredBy: z.string(),
    client: z.string().nullable(),
    patient: z.string().nullable(),
    encounter: z.string().nullable(),
    fhirUser: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'Launch' });
export const launchIdParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a launch id from the list') });

// ---- grants
export const grantListQuery = z.strictObject({
  limit: pageQuery.shape.limit,
  cursor,
  user: z.string().optional().meta({ description: 'The local user id' }),
  client: z.string().optional(),
  patient: z.string().optional().meta({ description: 'The patient in the launch context' }),
  revoked: flag.optional().meta({ description: 'true: include revoked grants' }),
});
export const grantIdParams = z.strictObject({ id: z.string().min(1).max(128) });
export const grantRevocation = z.strictObject({ reason: z.string().min(1).max(500) });
export const grantView = z
  .object({
    id: z.string(),
    client: z.string(),
    user: z.string().nullable(),
    fhirUser: z.string().nullable(),
    scope: z.string(),
    aud: z.string(),
    patient: z.string().nullable(),
    encounter: z.string().nullable(),
    launchType: z.enum(['ehr', 'standalone']).nullable(),
    accessType: z.enum(['offline', 'online']).nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedReason: z.string().nullable(),
  })
  .meta({ id: 'Grant' });

// ---- audit
export const auditQuery = pageQuery.extend({
  patient: z.string().optional(),
  user: z.string().optional(),
  client: z.string().optional(),
  event: z.string().optional(),
  since: instant.optional().meta({ description: 'ISO 8601 instant, inclusive' }),
  until: instant.optional().meta({ description: 'ISO 8601 instant, exclusive' }),
});
/** The Bundle export reads more per page than the JSON list. */
export const auditExportQuery = auditQuery.extend({
  limit: pageLimit(5000, 1000, 'AuditEvents per Bundle (1-5000)'),
});
export const auditEventView = z
  .object({
    id: z.string(),
    at: z.string(),
    event: z.string(),
    client: z.string().nullable(),
    user: z.string().nullable(),
    patient: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });
export const fhirBundle = z
  .object({
    resourceType: z.literal('Bundle'),
    type: z.literal('searchset'),
    timestamp: z.string(),
    link: z.array(z.object({ relation: z.literal('next'), url: z.string() })).optional(),
    entry: z.array(z.object({ resource: z.record(z.string(), z.unknown()), search: z.object({ mode: z.literal('match') }) })),
  })
  .meta({ id: 'AuditEventBundle', description: 'A FHIR R4 Bundle of AuditEvent resources' });

export const oauthError = z
  .object({ error: z.string(), error_description: z.string() })
  .meta({ id: 'Error' });
