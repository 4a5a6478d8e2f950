import type { z } from 'zod';
import type { Db } from '../db/index.ts';
import { Conflict, NotFound, invalidRequest } from '../oauth/errors.ts';
import * as store from '../store/clients.ts';
import type { Client, ClientRecord } from '../store/clients.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';
import { parseInput } from '../http/validate.ts';
import { auditChange, type Actor } from './actor.ts';
import { clientCreate, type clientPatch, type clientView } from './schemas.ts';

/**
 * Client administration, shared by the admin API and the CLI. Every change
 * and its audit row are one transaction. Secrets are made here, returned
 * once, and stored only as SHA-256.
 */

export const notFound = (what: string) => new NotFound(`no such ${what}`);
const conflict = (description: string) => new Conflict(description);

export function describeClient(c: Client): z.output<typeof clientView> {
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    source: c.source,
    jwks: c.jwks,
    jwksUri: c.jwksUri,
    redirectUris: c.redirectUris,
    launchUri: c.launchUri,
    scope: c.scope,
    grantTypes: c.grantTypes,
    roles: c.roles,
    consent: c.consent,
    metadata: c.metadata,
    disabled: c.disabled,
    previousSecretExpiresAt: c.previousSecretExpiresAt && c.previousSecretExpiresAt > new Date() ? c.previousSecretExpiresAt.toISOString() : null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export async function requireClient(db: Db, id: string): Promise<Client> {
  const client = await store.findClient(db, id);
  if (!client) throw notFound('client');
  return client;
}

/** A new client; a confidential-symmetric one gets a generated secret, returned here once. */
export async function createClient(
  db: Db,
  actor: Actor,
  input: z.output<typeof clientCreate>,
): Promise<{ client: Client; secret?: string }> {
  const secret = input.type === 'confidential-symmetric' ? randomToken() : undefined;
  const { id, disabled, ...record } = input;
  const client = await db.transaction().execute(async (trx) => {
    const created = await store.insertClient(trx, id, record, { source: 'admin', secretHash: secret ? sha256(secret) : null, disabled });
    if (!created) throw conflict(`a client with id "${id}" already exists`);
    await auditChange(trx, actor, { event: 'client.created', clientId: id, details: { type: input.type } });
    return created;
  });
  return { client, ...(secret ? { secret } : {}) };
}

/**
 * Changes a client's declared fields. The result must still be a valid client
 * (checked as clients.json is). A client from smart-config/ is changed in the
 * database only: the next start upserts the file's version again.
 */
export async function updateClient(db: Db, actor: Actor, id: string, patch: z.output<typeof clientPatch>): Promise<Client> {
  return db.transaction().execute(async (trx) => {
    const current = await requireClient(trx, id);
    const merged: ClientRecord = {
      name: patch.name ?? current.name,
      type: current.type,
      jwks: 'jwks' in patch ? patch.jwks : (current.jwks ?? undefined),
      jwksUri: 'jwksUri' in patch ? patch.jwksUri : (current.jwksUri ?? undefined),
      redirectUris: patch.redirectUris ?? current.redirectUris,
      launchUri: 'launchUri' in patch ? patch.launchUri : (current.launchUri ?? undefined),
      scope: patch.scope ?? current.scope,
      grantTypes: patch.grantTypes ?? current.grantTypes,
      roles: patch.roles ?? current.roles,
      consent: patch.consent ?? current.consent,
      metadata: patch.metadata ?? current.metadata,
    };
    // Switching between jwks and jwksUri: the one given replaces the other.
    if (patch.jwks) merged.jwksUri = undefined;
    if (patch.jwksUri) merged.jwks = undefined;
    // The result must be a client clients.json would accept.
    parseInput(clientCreate, { id, ...merged, disabled: current.disabled });
    const updated = await store.updateClient(trx, id, merged);
    await auditChange(trx, actor, { event: 'client.updated', clientId: id, details: { fields: Object.keys(patch) } });
    return updated!;
  });
}

/**
 * Disables or enables a client. Every instance reads clients per request, so a
 * disabled client's next token, introspection or assertion fails at once.
 */
export async function setClientDisabled(db: Db, actor: Actor, id: string, disabled: boolean): Promise<Client> {
  return db.transaction().execute(async (trx) => {
    await requireClient(trx, id);
    await store.setClientDisabled(trx, id, disabled);
    await auditChange(trx, actor, { event: disabled ? 'client.disabled' : 'client.enabled', clientId: id });
    return (await store.findClient(trx, id))!;
  });
}

/** A new secret for a confidential-symmetric client, shown once; the old one works `overlapSeconds` longer. */
export async function rotateClientSecret(
  db: Db,
  actor: Actor,
  id: string,
  overlapSeconds: number,
): Promise<{ client: Client; secret: string }> {
  const secret = randomToken();
  const previousValidUntil = overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000) : undefined;
  const client = await db.transaction().execute(async (trx) => {
    const current = await requireClient(trx, id);
    if (current.type !== 'confidential-symmetric') throw invalidRequest(`a ${current.type} client has no secret to rotate`);
    const rotated = await store.rotateClientSecret(trx, id, sha256(secret), previousValidUntil);
    await auditChange(trx, actor, {
      event: 'client.secret_rotated',
      clientId: id,
      details: { previous_valid_until: previousValidUntil?.toISOString() ?? null },
    });
    return rotated!;
  });
  return { client, secret };
}
