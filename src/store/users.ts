import type { UserConfig } from '../config/index.ts';
import { cachesOf } from '../cache/index.ts';
import type { Db } from '../db/index.ts';
import { toJson } from './json.ts';
import type { UserRow } from '../db/types.ts';
import { hashPassword, verifyPassword } from '../tokens/secrets.ts';

export interface User {
  id: string;
  username: string;
  fhirUser: string | null;
  attributes: Record<string, unknown>;
  demo: boolean;
  disabled: boolean;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    fhirUser: row.fhir_user,
    attributes: row.attributes,
    demo: row.demo,
    disabled: row.disabled_at !== null,
  };
}

export async function findUser(db: Db, id: string): Promise<User | undefined> {
  const load = async () => {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  };
  const caches = cachesOf(db);
  // In process, dropped by NOTIFY when the row changes (src/cache/): a shared object, never mutated.
  return caches ? caches.read(caches.cache<User | undefined>('users', { max: 10_000, tables: ['users'] }), id, load) : load();
}

export async function findUserByUsername(db: Db, username: string): Promise<(User & { passwordHash: string }) | undefined> {
  const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  return row && { ...toUser(row), passwordHash: row.password_hash };
}

export async function setUserDisabled(db: Db, id: string, disabled: boolean): Promise<void> {
  await db.updateTable('users').set({ disabled_at: disabled ? new Date() : null, updated_at: new Date() }).where('id', '=', id).execute();
}

export async function setUserAttributes(db: Db, id: string, attributes: Record<string, unknown>): Promise<void> {
  await db.updateTable('users').set({ attributes: toJson(attributes), updated_at: new Date() }).where('id', '=', id).execute();
}

/**
 * Config is the source of truth for the users it declares. A plain (demo)
 * password is hashed with scrypt; an unchanged password keeps its stored hash,
 * so restarts do not rewrite every row.
 */
export async function upsertConfiguredUsers(db: Db, users: readonly UserConfig[]): Promise<void> {
  for (const u of users) {
    const existing = await db.selectFrom('users').select('password_hash').where('id', '=', u.id).executeTakeFirst();
    let passwordHash = u.passwordHash;
    if (!passwordHash) {
      const unchanged = existing && (await verifyPassword(u.password!, existing.password_hash));
      passwordHash = unchanged ? existing.password_hash : await hashPassword(u.password!);
    }
    const values = {
      username: u.username,
      password_hash: passwordHash,
      fhir_user: u.fhirUser ?? null,
      attributes: toJson(u.attributes),
      demo: u.demo,
      updated_at: new Date(),
      disabled_at: u.disabled ? new Date() : null,
    };
    await db
      .insertInto('users')
      .values({ id: u.id, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }
}

/** The local account with this FHIR identity, if any (an EHR-vouched user may have none). */
export async function findUserByFhirUser(db: Db, fhirUser: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('fhir_user', '=', fhirUser).orderBy('id').executeTakeFirst();
  return row && toUser(row);
}
