import type { Db } from '../db/index.ts';
import { toJson } from './json.ts';

/** An ad-hoc app the launcher registers for a developer: a public client (PKCE), temporary. */
export interface SandboxClient {
  id: string;
  name: string;
  redirectUris: string[];
  launchUri: string;
  scope: string;
  expiresAt: Date;
}

/**
 * Creates or renews a temporary client. A client id that belongs to a real
 * (configured, admin or registered) client is never taken over: false.
 */
export async function saveSandboxClient(db: Db, client: SandboxClient): Promise<boolean> {
  const values = {
    name: client.name,
    type: 'public' as const,
    secret_hash: null,
    jwks: toJson(null),
    jwks_uri: null,
    redirect_uris: toJson(client.redirectUris),
    launch_uri: client.launchUri,
    scope: client.scope,
    grant_types: toJson(['authorization_code', 'refresh_token']),
    roles: toJson([]),
    consent: 'required' as const,
    metadata: toJson({ sandbox: true }),
    updated_at: new Date(),
    disabled_at: null,
    sandbox_expires_at: client.expiresAt,
  };
  const row = await db
    .insertInto('clients')
    .values({ id: client.id, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values).where('clients.sandbox_expires_at', 'is not', null))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Sandbox clients exist only in sandbox mode: a start with the launcher off disables every one. */
export async function disableSandboxClients(db: Db): Promise<number> {
  const rows = await db
    .updateTable('clients')
    .set({ disabled_at: new Date(), updated_at: new Date() })
    .where('sandbox_expires_at', 'is not', null)
    .where('disabled_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}

/** A client the config now declares is no longer temporary, whatever the launcher once made of its id. */
export async function keepConfiguredClients(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('clients').set({ sandbox_expires_at: null }).where('id', 'in', ids).where('sandbox_expires_at', 'is not', null).execute();
}
