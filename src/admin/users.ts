import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Db } from '../db/index.ts';
import { Conflict } from '../oauth/errors.ts';
import { unlockUser as liftSignInLocks } from '../store/throttle.ts';
import * as store from '../store/users.ts';
import type { User } from '../store/users.ts';
import { hashPassword } from '../tokens/secrets.ts';
import { auditChange, type Actor } from './actor.ts';
import { notFound } from './clients.ts';
import type { userCreate, userPatch, userView } from './schemas.ts';

/**
 * User administration, shared by the admin API and the CLI. Passwords are
 * hashed with scrypt; a generated one is returned once and never logged or audited.
 */

export function describeUser(u: User): z.output<typeof userView> {
  return {
    id: u.id,
    username: u.username,
    fhirUser: u.fhirUser,
    attributes: u.attributes,
    demo: u.demo,
    disabled: u.disabled,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

/** 20 random characters from a set without look-alikes: typed by a person once, then changed. */
function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join('');
}

export async function requireUser(db: Db, id: string): Promise<User> {
  const user = await store.findUser(db, id);
  if (!user) throw notFound('user');
  return user;
}

export async function createUser(db: Db, actor: Actor, input: z.output<typeof userCreate>): Promise<{ user: User; password?: string }> {
  const generated = input.password ? undefined : generatePassword();
  const passwordHash = await hashPassword(input.password ?? generated!);
  const id = input.id ?? randomUUID();
  const user = await db.transaction().execute(async (trx) => {
    const created = await store.insertUser(trx, {
      id,
      username: input.username,
      passwordHash,
      fhirUser: input.fhirUser ?? null,
      attributes: input.attributes,
    });
    if (!created) throw new Conflict('a user with this id or username already exists');
    await auditChange(trx, actor, { event: 'user.created', userId: id, details: { username: input.username } });
    return created;
  });
  return { user, ...(generated ? { password: generated } : {}) };
}

/** Attributes (a merge patch) and FHIR identity; claim rules see the change on the user's next grant or refresh. */
export async function updateUser(db: Db, actor: Actor, id: string, patch: z.output<typeof userPatch>): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const updated = await store.updateUser(trx, id, patch);
    if (!updated) throw notFound('user');
    await auditChange(trx, actor, {
      event: 'user.updated',
      userId: id,
      details: { attributes: Object.keys(patch.attributes ?? {}), fhirUser: patch.fhirUser !== undefined },
    });
    return updated;
  });
}

/** Sets the given password, or a generated one (returned once); also lifts a sign-in lock. */
export async function resetPassword(db: Db, actor: Actor, id: string, password?: string): Promise<{ password?: string }> {
  const generated = password ? undefined : generatePassword();
  const passwordHash = await hashPassword(password ?? generated!);
  await db.transaction().execute(async (trx) => {
    const user = await requireUser(trx, id);
    await store.setUserPasswordHash(trx, id, passwordHash);
    await liftSignInLocks(trx, user.username);
    await auditChange(trx, actor, { event: 'user.password_reset', userId: id, details: { generated: Boolean(generated) } });
  });
  return generated ? { password: generated } : {};
}

/** A disabled user cannot sign in, and introspection answers inactive for their tokens at once. */
export async function setUserDisabled(db: Db, actor: Actor, id: string, disabled: boolean): Promise<User> {
  return db.transaction().execute(async (trx) => {
    await requireUser(trx, id);
    await store.setUserDisabled(trx, id, disabled);
    await auditChange(trx, actor, { event: disabled ? 'user.disabled' : 'user.enabled', userId: id });
    return (await store.findUser(trx, id))!;
  });
}

/** Lifts the sign-in lock that repeated failures put on this user's username. */
export async function unlockUser(db: Db, actor: Actor, id: string): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const user = await requireUser(trx, id);
    await liftSignInLocks(trx, user.username);
    await auditChange(trx, actor, { event: 'user.unlocked', userId: id });
    return user;
  });
}

