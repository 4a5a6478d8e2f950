import type { AppDeps } from '../deps.ts';
import { encounterPatientId, FhirUnavailableError } from '../fhir/index.ts';
import { parseInput } from '../http/validate.ts';
import { TemporarilyUnavailable, invalidRequest } from '../oauth/errors.ts';
import { recordAudit } from '../store/audit.ts';
import { findClient, type Client } from '../store/clients.ts';
import { createLaunch } from '../store/launches.ts';
import { launchRegistrationSchema, type LaunchRegistration } from './schema.ts';

/** What registering a launch needs: the server's AppDeps, or the CLI's database, FHIR data and config. */
export type LaunchRegistrationDeps = Pick<AppDeps, 'db' | 'fhir' | 'config'>;

export interface RegisteredLaunchResult {
  /** The opaque `launch` value for the app. */
  launch: string;
  expiresAt: Date;
  /** The app's launch URL with `iss` and `launch`, when the launch names an app that has one. */
  launchUrl: string | undefined;
}

/**
 * The one way a launch is registered: POST /launches and the launcher both call
 * it. Validates the registration (the body of POST /launches), checks the app,
 * the patient and the encounter, stores the launch and its audit event together.
 */
export async function registerLaunch(
  deps: LaunchRegistrationDeps,
  input: { registrar: Pick<Client, 'id'>; registration: unknown; requestId?: string; via?: string },
): Promise<RegisteredLaunchResult> {
  const { launches } = deps.config;
  const body = parseInput(launchRegistrationSchema(launches.maxExpiresInSeconds, launches.defaultExpiresInSeconds), input.registration);
  const forClient = body.client_id ? await findClient(deps.db, body.client_id) : undefined;
  if (body.client_id && (!forClient || forClient.disabled)) throw invalidRequest(`client_id: unknown client "${body.client_id}"`);
  // Only an app that uses the authorization code flow can ever redeem a launch.
  if (forClient && !forClient.grantTypes.includes('authorization_code'))
    throw invalidRequest(`client_id: "${forClient.id}" is not an app that can be launched`);
  const patient = await checkReferences(deps, body);

  const expiresAt = new Date(Date.now() + body.expires_in * 1000);
  const launch = await deps.db.transaction().execute(async (trx) => {
    const value = await createLaunch(trx, {
      registered_by: input.registrar.id,
      for_client: forClient?.id ?? null,
      patient: patient ?? null,
      encounter: body.encounter ?? null,
      fhir_context: body.fhirContext ?? null,
      fhir_user: body.fhirUser ?? null,
      need_patient_banner: body.need_patient_banner,
      smart_style_url: body.smart_style_url ?? null,
      intent: body.intent ?? null,
      tenant: body.tenant ?? null,
      extra: body.extra,
      expires_at: expiresAt,
    });
    await recordAudit(trx, {
      event: 'launch.registered',
      clientId: input.registrar.id,
      userId: body.fhirUser,
      patient,
      requestId: input.requestId,
      details: { for_client: forClient?.id ?? null, encounter: body.encounter ?? null, ...(input.via ? { via: input.via } : {}) },
    });
    return value;
  });

  const launchUrl = forClient?.launchUri ? new URL(forClient.launchUri) : undefined;
  launchUrl?.searchParams.set('iss', deps.config.fhirBaseUrl);
  launchUrl?.searchParams.set('launch', launch);
  return { launch, expiresAt, launchUrl: launchUrl?.toString() };
}

/**
 * The patient and encounter must exist in the FHIR data, and the encounter must
 * be the patient's. Returns the launch's patient: the one given, or else the
 * encounter's (an encounter is always some patient's, and patient/ scopes need one).
 */
async function checkReferences(deps: LaunchRegistrationDeps, body: LaunchRegistration): Promise<string | undefined> {
  try {
    if (body.patient && !(await deps.fhir.getPatient(body.patient)))
      throw invalidRequest(`patient: Patient/${body.patient} does not exist`);
    if (!body.encounter) return body.patient;
    const encounter = await deps.fhir.getEncounter(body.encounter);
    if (!encounter) throw invalidRequest(`encounter: Encounter/${body.encounter} does not exist`);
    const owner = encounterPatientId(encounter);
    if (body.patient && owner !== body.patient)
      throw invalidRequest(`encounter: Encounter/${body.encounter} is not an encounter of Patient/${body.patient}`);
    return body.patient ?? owner;
  } catch (error) {
    if (error instanceof FhirUnavailableError)
      throw new TemporarilyUnavailable('the FHIR server holding patients is not reachable');
    throw error;
  }
}
