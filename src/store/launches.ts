import type { Insertable } from 'kysely';
import type { FhirContextItem, RegisteredLaunch } from '../context/index.ts';
import type { Db } from '../db/index.ts';
import type { LaunchesTable, LaunchRow } from '../db/types.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';
import { createdKey, pageAfter, parseCreatedKey, type Page, type PageRequest } from './paging.ts';
import { columnsOf } from './columns.ts';
import { parseJsonObject, parseFhirContext, toJson } from './json.ts';

export type NewLaunch = Omit<Insertable<LaunchesTable>, 'id_hash' | 'fhir_context' | 'extra'> & {
  fhir_context: FhirContextItem[] | null;
  extra: Record<string, unknown>;
};

export interface Launch extends RegisteredLaunch {
  idHash: string;
  registeredBy: string;
  forClient: string | null;
  fhirUser: string | null;
  extra: Record<string, unknown>;
  expiresAt: Date;
  createdAt: Date;
  cancelled: boolean;
}

const LAUNCH_COLUMNS = [
  'id_hash', 'registered_by', 'for_client', 'patient', 'encounter', 'fhir_user',
  'need_patient_banner', 'smart_style_url', 'intent', 'tenant', 'expires_at', 'created_at',
] as const;

function toLaunch(row: LaunchRow): Launch {
  return {
    ...columnsOf(row, LAUNCH_COLUMNS),
    fhirContext: row.fhir_context === null ? null : parseFhirContext(row.fhir_context),
    extra: parseJsonObject(row.extra),
    cancelled: row.cancelled_at !== null,
  };
}

/** Stores a launch (hashed id) and returns the opaque `launch` value for the app. */
export async function createLaunch(db: Db, values: NewLaunch): Promise<string> {
  const launch = randomToken();
  await db
    .insertInto('launches')
    .values({ ...values, fhir_context: toJson(values.fhir_context), extra: toJson(values.extra), id_hash: sha256(launch) })
    .execute();
  return launch;
}

/** A launch that can still start an app: known, not cancelled, not expired. */
export async function findLiveLaunch(db: Db, launch: string): Promise<Launch | undefined> {
  const row = await db
    .selectFrom('launches')
    .selectAll()
    .where('id_hash', '=', sha256(launch))
    .where('cancelled_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row && toLaunch(row);
}

/** Any launch this registrar registered, live or not (for GET /launches/{launch}). */
export async function findRegisteredLaunch(db: Db, launch: string, registrar: string): Promise<Launch | undefined> {
  const row = await db
    .selectFrom('launches')
    .selectAll()
    .where('id_hash', '=', sha256(launch))
    .where('registered_by', '=', registrar)
    .executeTakeFirst();
  return row && toLaunch(row);
}

export async function findLaunchByHash(db: Db, idHash: string): Promise<Launch | undefined> {
  const row = await db.selectFrom('launches').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  return row && toLaunch(row);
}

/** Cancels a launch of this registrar; false when there is none to cancel. */
export async function cancelLaunch(db: Db, launch: string, registrar: string): Promise<boolean> {
  const row = await db
    .updateTable('launches')
    .set({ cancelled_at: new Date() })
    .where('id_hash', '=', sha256(launch))
    .where('registered_by', '=', registrar)
    .where('cancelled_at', 'is', null)
    .returning('id_hash')
    .executeTakeFirst();
  return row !== undefined;
}

export type LaunchStatus = 'active' | 'expired' | 'cancelled';

export function launchStatus(launch: Launch, now = new Date()): LaunchStatus {
  return launch.cancelled ? 'cancelled' : launch.expiresAt <= now ? 'expired' : 'active';
}

/** Launches, newest first, a page at a time (admin API). The cursor key is a createdKey of the id hash. */
export async function listLaunches(
  db: Db,
  page: PageRequest,
  filter: { registeredBy?: string | undefined; forClient?: string | undefined; patient?: string | undefined; status?: LaunchStatus | undefined } = {},
): Promise<Page<Launch>> {
  const now = new Date();
  let query = db.selectFrom('launches').selectAll().orderBy('created_at', 'desc').orderBy('id_hash', 'desc').limit(page.limit + 1);
  const after = parseCreatedKey(page.after);
  if (after)
    query = query.where((eb) =>
      eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id_hash', '<', after.id)])]),
    );
  if (filter.registeredBy) query = query.where('registered_by', '=', filter.registeredBy);
  if (filter.forClient) query = query.where('for_client', '=', filter.forClient);
  if (filter.patient) query = query.where('patient', '=', filter.patient);
  if (filter.status === 'cancelled') query = query.where('cancelled_at', 'is not', null);
  if (filter.status === 'active') query = query.where('cancelled_at', 'is', null).where('expires_at', '>', now);
  if (filter.status === 'expired') query = query.where('cancelled_at', 'is', null).where('expires_at', '<=', now);
  const rows = (await query.execute()).map(toLaunch);
  return pageAfter(rows, page.limit, (l) => createdKey(l.createdAt, l.idHash));
}

/** Cancels any live launch by its stored hash (admin); false when there is none to cancel. */
export async function cancelLaunchByHash(db: Db, idHash: string): Promise<Launch | undefined> {
  const row = await db
    .updateTable('launches')
    .set({ cancelled_at: new Date() })
    .where('id_hash', '=', idHash)
    .where('cancelled_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row && toLaunch(row);
}
