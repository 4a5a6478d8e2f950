import express, { Router, type Request } from 'express';
import type { AppDeps } from '../app.ts';
import { encounterPatientId, FhirUnavailableError } from '../fhir/index.ts';
import { parseInput } from '../http/validate.ts';
import { requireConfidentialClient } from '../oauth/client-auth/index.ts';
import { OAuthError, invalidRequest } from '../oauth/errors.ts';
import { recordAudit } from '../store/audit.ts';
import { findClient, type Client } from '../store/clients.ts';
import { cancelLaunch, createLaunch, findRegisteredLaunch, type Launch } from '../store/launches.ts';
import { launchRegistrationSchema, type LaunchRegistration } from './schema.ts';

/**
 * The EHR integrators' launch registration API: POST /launches returns the
 * opaque `launch` value to hand to the app; GET and DELETE read it back and
 * cancel it. Callers are confidential clients with the launch-registrar role.
 */
const ASSERTION_FIELDS = ['client_assertion_type', 'client_assertion'] as const;

export function launchesRouter(deps: AppDeps): Router {
  const router = Router();
  const json = express.json({ limit: '32kb', strict: true });
  const schema = launchRegistrationSchema(deps.config.launches.maxExpiresInSeconds, deps.config.launches.defaultExpiresInSeconds);

  // The JSON body is the launch (its client_id names the app), so only these two fields of it
  // (or of the query, for GET and DELETE) are credentials: private_key_jwt; Basic comes in the header.
  const registrar = async (req: Request): Promise<Client> => {
    const source = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown> | undefined;
    const credentials = Object.fromEntries(
      ASSERTION_FIELDS.filter((name) => source?.[name] !== undefined).map((name) => [name, source![name]]),
    );
    const client = await requireConfidentialClient(req, deps, credentials);
    if (!client.roles.includes('launch-registrar'))
      throw new OAuthError('access_denied', 'this client may not register launches', { status: 403 });
    return client;
  };

  router.post('/launches', json, async (req, res) => {
    if (!req.is('application/json')) throw invalidRequest('send the launch as a JSON body (Content-Type: application/json)');
    const client = await registrar(req);
    const { client_assertion_type: _type, client_assertion: _assertion, ...registration } = req.body as Record<string, unknown>;
    const body = parseInput(schema, registration);
    const forClient = body.client_id ? await findClient(deps.db, body.client_id) : undefined;
    if (body.client_id && (!forClient || forClient.disabled)) throw invalidRequest(`client_id: unknown client "${body.client_id}"`);
    // Only an app that uses the authorization code flow can ever redeem a launch.
    if (forClient && !forClient.grantTypes.includes('authorization_code'))
      throw invalidRequest(`client_id: "${forClient.id}" is not an app that can be launched`);
    const patient = await checkReferences(deps, body);

    const expiresAt = new Date(Date.now() + body.expires_in * 1000);
    const launch = await deps.db.transaction().execute(async (trx) => {
      const value = await createLaunch(trx, {
        registered_by: client.id,
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
        clientId: client.id,
        userId: body.fhirUser,
        patient,
        requestId: req.id as string,
        details: { for_client: forClient?.id ?? null, encounter: body.encounter ?? null },
      });
      return value;
    });

    const launchUrl = forClient?.launchUri ? new URL(forClient.launchUri) : undefined;
    launchUrl?.searchParams.set('iss', deps.config.fhirBaseUrl);
    launchUrl?.searchParams.set('launch', launch);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ launch, expires_at: expiresAt.toISOString(), ...(launchUrl ? { launch_url: launchUrl.toString() } : {}) });
  });

  router.get('/launches/:launch', async (req, res) => {
    const client = await registrar(req);
    const launch = await findRegisteredLaunch(deps.db, req.params.launch, client.id);
    if (!launch) throw new OAuthError('not_found', 'no such launch');
    res.setHeader('Cache-Control', 'no-store');
    res.json(describeLaunch(launch));
  });

  router.delete('/launches/:launch', async (req, res) => {
    const client = await registrar(req);
    if (!(await cancelLaunch(deps.db, req.params.launch, client.id))) throw new OAuthError('not_found', 'no such launch');
    await recordAudit(deps.db, { event: 'launch.cancelled', clientId: client.id, requestId: req.id as string });
    res.status(204).end();
  });

  return router;
}

/**
 * The patient and encounter must exist in the FHIR data, and the encounter must
 * be the patient's. Returns the launch's patient: the one given, or else the
 * encounter's (an encounter is always some patient's, and patient/ scopes need one).
 */
async function checkReferences(deps: AppDeps, body: LaunchRegistration): Promise<string | undefined> {
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
      throw new OAuthError('temporarily_unavailable', 'the FHIR server holding patients is not reachable');
    throw error;
  }
}

function describeLaunch(launch: Launch) {
  const status = launch.cancelled ? 'cancelled' : launch.expiresAt <= new Date() ? 'expired' : 'active';
  return {
    status,
    patient: launch.patient,
    encounter: launch.encounter,
    fhirContext: launch.fhirContext,
    fhirUser: launch.fhirUser,
    need_patient_banner: launch.needPatientBanner,
    smart_style_url: launch.smartStyleUrl,
    intent: launch.intent,
    tenant: launch.tenant,
    client_id: launch.forClient,
    extra: launch.extra,
    expires_at: launch.expiresAt.toISOString(),
    created_at: launch.createdAt.toISOString(),
  };
}
