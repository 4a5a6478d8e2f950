import type { UserConfig } from '../config/index.ts';
import { cachesOf } from '../cache/index.ts';
import type { Db } from '../db/index.ts';
import { columnsOf } from './columns.ts';
import { parseJsonObject, toJson } from './json.ts';
import type { UserRow } from '../db/types.ts';
import { sql } from 'kysely';
import { hashPassword, verifyPassword } from '../tokens/secrets.ts';
import { pageAfter, type Page, type PageRequest } from './paging.ts';

export interface User {
  id: string;
  username: string;
  fhirUser: string | null;
  attributes: Record<string, unknown>;
  demo: boolean;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const USER_COLUMNS = ['id', 'username', 'fhir_user', 'demo', 'created_at', 'updated_at'] as const;

function toUser(row: UserRow): User {
  return { ...columnsOf(row, USER_COLUMNS), attributes: parseJsonObject(row.attributes), disabled: row.disabled_at !== null };
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

/** A new local user (admin API, CLI); undefined when the id or the username is taken. */
export async function insertUser(
  db: Db,
  user: { id: string; username: string; passwordHash: string; fhirUser: string | null; attributes: Record<string, unknown> },
): Promise<User | undefined> {
  const row = await db
    .insertInto('users')
    .values({
      id: user.id,
      username: user.username,
      password_hash: user.passwordHash,
      fhir_user: user.fhirUser,
      attributes: toJson(user.attributes),
      demo: false,
      updated_at: new Date(),
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toUser(row);
}

/**
 * Changes attributes (claim rules read them on the next grant or refresh) and
 * the FHIR identity. `attributes` is a JSON merge patch: a null value removes
 * that attribute. One statement, so concurrent patches of different attributes both hold.
 */
export async function updateUser(
  db: Db,
  id: string,
  patch: { attributes?: Record<string, unknown> | undefined; fhirUser?: string | null | undefined },
): Promise<User | undefined> {
  const set: Record<string, unknown> = {};
  const attributes = patch.attributes;
  if (attributes) {
    const removed = Object.keys(attributes).filter((k) => attributes[k] === null);
    const added = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== null));
    set.attributes = sql`(attributes - ${removed}::text[]) || ${JSON.stringify(added)}::jsonb`;
  }
  if (patch.fhirUser !== undefined) set.fhir_user = patch.fhirUser;
  const row = await db
    .updateTable('users')
    .set({ ...set, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toUser(row);
}

/** Sets a new password (scrypt hash); false when there is no such user. */
export async function setUserPasswordHash(db: Db, id: string, passwordHash: string): Promise<boolean> {
  const row = await db
    .updateTable('users')
    .set({ password_hash: passwordHash, demo: false, updated_at: new Date() })
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Users by id, a page at a time. */
export async function listUsers(db: Db, page: PageRequest, filter: { disabled?: boolean | undefined } = {}): Promise<Page<User>> {
  let query = db.selectFrom('users').selectAll().orderBy('id').limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  if (filter.disabled !== undefined) query = query.where('disabled_at', filter.disabled ? 'is not' : 'is', null);
  return pageAfter((await query.execute()).map(toUser), page.limit, (u) => u.id);
}
