import type { Insertable } from 'kysely';
import type { LaunchContext } from '../context/index.ts';
import type { Db } from '../db/index.ts';
import type { InteractionRow, InteractionsTable } from '../db/types.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';
import { parseJsonObject, parseLaunchContext, toJson } from './json.ts';

/** An interaction row with its JSON columns parsed. */
export type Interaction = Omit<InteractionRow, 'context' | 'launch_extra'> & {
  context: LaunchContext;
  launch_extra: Record<string, unknown>;
};

export type NewInteraction = Omit<Insertable<InteractionsTable>, 'id_hash' | 'context' | 'launch_extra'> & {
  context: LaunchContext;
  launch_extra: Record<string, unknown>;
};

/**
 * The state between /authorize and the redirect back to the app, keyed by a
 * random id that only the browser's cookie holds. Returns that plain id.
 */
export async function createInteraction(db: Db, values: NewInteraction): Promise<string> {
  const id = randomToken();
  await db
    .insertInto('interactions')
    .values({ ...values, context: toJson(values.context), launch_extra: toJson(values.launch_extra), id_hash: sha256(id) })
    .execute();
  return id;
}

/** The live (not expired, not completed) interaction for a cookie value. */
export async function findLiveInteraction(db: Db, id: string): Promise<Interaction | undefined> {
  const row = await db
    .selectFrom('interactions')
    .selectAll()
    .where('id_hash', '=', sha256(id))
    .where('completed_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row && { ...row, context: parseLaunchContext(row.context), launch_extra: parseJsonObject(row.launch_extra) };
}

export type InteractionPatch = Partial<
  Pick<Insertable<InteractionsTable>, 'user_id' | 'fhir_user' | 'session_id_hash' | 'auth_time' | 'encounter_step_done'>
> & { context?: LaunchContext };

export async function updateInteraction(db: Db, idHash: string, patch: InteractionPatch): Promise<void> {
  const { context, ...rest } = patch;
  await db
    .updateTable('interactions')
    .set({ ...rest, ...(context ? { context: toJson(context) } : {}) })
    .where('id_hash', '=', idHash)
    .execute();
}
/** A fresh CSRF token for the next form of this interaction; any earlier one stops working. */
export async function issueCsrfToken(db: Db, idHash: string): Promise<string> {
  const token = randomToken();
  await db.updateTable('interactions').set({ csrf_hash: sha256(token) }).where('id_hash', '=', idHash).execute();
  return token;
}

/** Spends a CSRF token: true once for the current token, false when missing, wrong or replayed. */
export async function consumeCsrfToken(db: Db, idHash: string, token: unknown): Promise<boolean> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 100) return false;
  const row = await db
    .updateTable('interactions')
    .set({ csrf_hash: null })
    .where('id_hash', '=', idHash)
    .where('csrf_hash', '=', sha256(token))
    .returning('id_hash')
    .executeTakeFirst();
  return row !== undefined;
}

/** Ends the interaction once (consent given or denied): a second completion returns false. */
export async function completeInteraction(db: Db, idHash: string): Promise<boolean> {
  const row = await db
    .updateTable('interactions')
    .set({ completed_at: new Date() })
    .where('id_hash', '=', idHash)
    .where('completed_at', 'is', null)
    .returning('id_hash')
    .executeTakeFirst();
  return row !== undefined;
}
