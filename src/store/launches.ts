import type { Insertable } from 'kysely';
import type { FhirContextItem, RegisteredLaunch } from '../context/index.ts';
import type { Db } from '../db/index.ts';
import type { LaunchesTable, LaunchRow } from '../db/types.ts';
import { randomToken, sha256 } from '../tokens/secrets.ts';
import { parseExtra, parseFhirContext, toJson } from './json.ts';

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

function toLaunch(row: LaunchRow): Launch {
  return {
    idHash: row.id_hash,
    registeredBy: row.registered_by,
    forClient: row.for_client,
    patient: row.patient,
    encounter: row.encounter,
    fhirContext: row.fhir_context === null ? null : parseFhirContext(row.fhir_context),
    fhirUser: row.fhir_user,
    needPatientBanner: row.need_patient_banner,
    smartStyleUrl: row.smart_style_url,
    intent: row.intent,
    tenant: row.tenant,
    extra: parseExtra(row.extra),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
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
