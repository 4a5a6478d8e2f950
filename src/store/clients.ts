import type { ClientConfig } from '../config/index.ts';
import { cachesOf } from '../cache/index.ts';
import type { Db } from '../db/index.ts';
import { toJson } from './json.ts';
import type { ClientRow, ClientType } from '../db/types.ts';
import { sha256 } from '../tokens/secrets.ts';

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
    // A sandbox (launcher ad-hoc) client past its expiry is as good as gone.
    disabled: row.disabled_at !== null || (row.sandbox_expires_at !== null && row.sandbox_expires_at <= new Date()),
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
export async function registeredOrigins(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('clients').select('redirect_uris').where('disabled_at', 'is', null).execute();
  return new Set(rows.flatMap((r) => r.redirect_uris.map((uri) => new URL(uri).origin)));
}

export async function setClientDisabled(db: Db, id: string, disabled: boolean): Promise<void> {
  await db.updateTable('clients').set({ disabled_at: disabled ? new Date() : null, updated_at: new Date() }).where('id', '=', id).execute();
}

/** Config is the source of truth for the clients it declares: insert or update each one. */
export async function upsertConfiguredClients(db: Db, clients: readonly ClientConfig[]): Promise<void> {
  for (const c of clients) {
    const values = {
      name: c.name,
      type: c.type,
      secret_hash: c.secretHash ? c.secretHash.slice('sha256:'.length) : c.secret ? sha256(c.secret) : null,
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
      disabled_at: c.disabled ? new Date() : null,
    };
    await db
      .insertInto('clients')
      .values({ id: c.id, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }
}
