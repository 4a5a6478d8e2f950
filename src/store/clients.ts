import { sql } from 'kysely';
import type { ClientConfig } from '../config/index.ts';
import { cachesOf } from '../cache/index.ts';
import type { Db } from '../db/index.ts';
import type { ClientRow, ClientSource, ClientType } from '../db/types.ts';
import { toJson } from './json.ts';
import { sha256 } from '../tokens/secrets.ts';
import { pageAfter, type Page, type PageRequest } from './paging.ts';

export interface Client {
  id: string;
  name: string;
  type: ClientType;
  secretHash: string | null;
  jwks: { keys: Record<string, unknown>[] } | null;
  jwksUri: string | null;
  redirectUris: string[];
  launchUri: string | null;
  /** The most this client may be granted. */
  scope: string;
  grantTypes: string[];
  roles: string[];
  consent: 'required' | 'trusted';
  metadata: Record<string, unknown>;
  disabled: boolean;
  /** A rotated secret still accepted until previousSecretExpiresAt (the overlap window). */
  previousSecretHash: string | null;
  previousSecretExpiresAt: Date | null;
  source: ClientSource;
  registrationTokenHash: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toClient(row: ClientRow): Client {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    secretHash: row.secret_hash,
    jwks: row.jwks,
    jwksUri: row.jwks_uri,
    redirectUris: row.redirect_uris,
    launchUri: row.launch_uri,
    scope: row.scope,
    grantTypes: row.grant_types,
    roles: row.roles,
    consent: row.consent,
    metadata: row.metadata,
    // A sandbox (launcher ad-hoc) client past its expiry is as good as gone (json_agg rows carry timestamps as strings).
    disabled: row.disabled_at !== null || (row.sandbox_expires_at != null && new Date(row.sandbox_expires_at) <= new Date()),
    previousSecretHash: row.previous_secret_hash ?? null,
    // Rows may come through json_agg (introspection), where timestamps are strings.
    previousSecretExpiresAt: row.previous_secret_expires_at ? new Date(row.previous_secret_expires_at) : null,
    source: row.source ?? 'config',
    registrationTokenHash: row.registration_token_hash ?? null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** The client, enabled or not (callers decide what a disabled client may still do). */
export async function findClient(db: Db, id: string): Promise<Client | undefined> {
  const load = async () => {
    const row = await db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toClient(row);
  };
  const caches = cachesOf(db);
  // In process, dropped by NOTIFY when the row changes (src/cache/): a shared object, never mutated.
  return caches ? caches.read(caches.cache<Client | undefined>('clients', { max: 10_000, tables: ['clients'] }), id, load) : load();
}

/** Origins of every enabled client's redirect URIs: the only origins CORS lets call /token. */
export async function registeredOrigins(db: Db): Promise<ReadonlySet<string>> {
  const load = async () => {
    const rows = await db.selectFrom('clients').select('redirect_uris').where('disabled_at', 'is', null).execute();
    return new Set(rows.flatMap((r) => r.redirect_uris.map((uri) => new URL(uri).origin)));
  };
  // Every browser /token request asks (CORS): the whole table is read once, and again after any change to a client.
  const caches = cachesOf(db);
  return caches ? caches.read(caches.cache<ReadonlySet<string>>('registered-origins', { max: 1, tables: ['clients'], concerns: () => true }), 'all', load) : load();
}

export async function setClientDisabled(db: Db, id: string, disabled: boolean): Promise<void> {
  await db.updateTable('clients').set({ disabled_at: disabled ? new Date() : null, updated_at: new Date() }).where('id', '=', id).execute();
}

/** The fields of a client a person or an app declares (config, admin API, registration); the service adds the rest. */
export interface ClientRecord {
  name: string;
  type: ClientType;
  jwks?: { keys: Record<string, unknown>[] } | undefined;
  jwksUri?: string | undefined;
  redirectUris: string[];
  launchUri?: string | undefined;
  scope: string;
  grantTypes: string[];
  roles: string[];
  consent: 'required' | 'trusted';
  metadata: Record<string, unknown>;
}

function recordColumns(c: ClientRecord) {
  return {
    name: c.name,
    type: c.type,
    jwks: toJson(c.jwks ?? null),
    jwks_uri: c.jwksUri ?? null,
    redirect_uris: toJson(c.redirectUris),
    launch_uri: c.launchUri ?? null,
    scope: c.scope,
    grant_types: toJson(c.grantTypes),
    roles: toJson(c.roles),
    consent: c.consent,
    metadata: toJson(c.metadata),
    updated_at: new Date(),
  };
}

/** Config is the source of truth for the clients it declares: insert or update each one. */
export async function upsertConfiguredClients(db: Db, clients: readonly ClientConfig[]): Promise<void> {
  for (const c of clients) {
    const values = {
      ...recordColumns(c),
      secret_hash: c.secretHash ? c.secretHash.slice('sha256:'.length) : c.secret ? sha256(c.secret) : null,
      disabled_at: c.disabled ? new Date() : null,
      source: 'config' as const,
    };
    await db
      .insertInto('clients')
      .values({ id: c.id, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }
}

/**
 * A new client (admin API, CLI, dynamic registration). Secrets and tokens come
 * as SHA-256 hashes: the plain values exist only in the caller's one response.
 * Undefined when the id is taken.
 */
export async function insertClient(
  db: Db,
  id: string,
  record: ClientRecord,
  extra: { source: ClientSource; secretHash: string | null; registrationTokenHash?: string | null; disabled?: boolean },
): Promise<Client | undefined> {
  const row = await db
    .insertInto('clients')
    .values({
      id,
      ...recordColumns(record),
      secret_hash: extra.secretHash,
      source: extra.source,
      registration_token_hash: extra.registrationTokenHash ?? null,
      disabled_at: extra.disabled ? new Date() : null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toClient(row);
}

/** Replaces a client's declared fields (its secret and keys' type stay as they are unless `secretHash` is given). */
export async function updateClient(
  db: Db,
  id: string,
  record: ClientRecord,
  extra: { secretHash?: string | null } = {},
): Promise<Client | undefined> {
  const row = await db
    .updateTable('clients')
    .set({ ...recordColumns(record), ...(extra.secretHash !== undefined ? { secret_hash: extra.secretHash } : {}) })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toClient(row);
}

/**
 * A new secret for a confidential-symmetric client. With an overlap, the old
 * one stays valid until `previousValidUntil` (apps can switch without downtime);
 * without one it stops working at once.
 */
export async function rotateClientSecret(
  db: Db,
  id: string,
  newSecretHash: string,
  previousValidUntil: Date | undefined,
): Promise<Client | undefined> {
  const row = await db
    .updateTable('clients')
    .set((eb) => ({
      previous_secret_hash: previousValidUntil ? eb.ref('secret_hash') : null,
      previous_secret_expires_at: previousValidUntil ?? null,
      secret_hash: newSecretHash,
      updated_at: new Date(),
    }))
    .where('id', '=', id)
    .where('type', '=', 'confidential-symmetric')
    .returningAll()
    .executeTakeFirst();
  return row && toClient(row);
}

/** Sets (or clears, with null) the RFC 7592 registration access token of a client. */
export async function setRegistrationTokenHash(db: Db, id: string, hash: string | null): Promise<void> {
  await db.updateTable('clients').set({ registration_token_hash: hash, updated_at: new Date() }).where('id', '=', id).execute();
}

/** Clients by id, a page at a time. */
export async function listClients(
  db: Db,
  page: PageRequest,
  filter: { source?: ClientSource | undefined; role?: string | undefined; disabled?: boolean | undefined } = {},
): Promise<Page<Client>> {
  let query = db.selectFrom('clients').selectAll().orderBy('id').limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  if (filter.source) query = query.where('source', '=', filter.source);
  if (filter.role) query = query.where(sql<boolean>`roles ? ${filter.role}`);
  if (filter.disabled !== undefined) query = query.where('disabled_at', filter.disabled ? 'is not' : 'is', null);
  return pageAfter((await query.execute()).map(toClient), page.limit, (c) => c.id);
}
