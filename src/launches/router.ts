import express, { Router, type Request } from 'express';
import type { AppDeps } from '../deps.ts';
import { requireConfidentialClient } from '../oauth/client-auth/index.ts';
import { AccessDenied, NotFound, invalidRequest } from '../oauth/errors.ts';
import { recordAudit } from '../store/audit.ts';
import type { Client } from '../store/clients.ts';
import { cancelLaunch, findRegisteredLaunch, type Launch } from '../store/launches.ts';
import { registerLaunch } from './register.ts';
import { noStore } from '../http/no-store.ts';

/**
 * The EHR integrators' launch registration API: POST /launches returns the
 * opaque `launch` value to hand to the app; GET and DELETE read it back and
 * cancel it. Callers are confidential clients with the launch-registrar role.
 */
const ASSERTION_FIELDS = ['client_assertion_type', 'client_assertion'] as const;

export function launchesRouter(deps: AppDeps): Router {
  const router = Router();
  const json = express.json({ limit: '32kb', strict: true });

  // The JSON body is the launch (its client_id names the app), so only these two fields of it
  // (or of the query, for GET and DELETE) are credentials: private_key_jwt; Basic comes in the header.
  const registrar = async (req: Request): Promise<Client> => {
    const source = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown> | undefined;
    const credentials = Object.fromEntries(
      ASSERTION_FIELDS.filter((name) => source?.[name] !== undefined).map((name) => [name, source![name]]),
    );
    const client = await requireConfidentialClient(req, deps, credentials);
    if (!client.roles.includes('launch-registrar'))
      throw new AccessDenied('this client may not register launches');
    return client;
  };

  router.post('/launches', noStore, json, async (req, res) => {
    if (!req.is('application/json')) throw invalidRequest('send the launch as a JSON body (Content-Type: application/json)');
    const client = await registrar(req);
    const { client_assertion_type: _type, client_assertion: _assertion, ...registration } = req.body as Record<string, unknown>;
    const { launch, expiresAt, launchUrl } = await registerLaunch(deps, { registrar: client, registration, requestId: req.id });
    res.status(201).json({ launch, expires_at: expiresAt.toISOString(), ...(launchUrl ? { launch_url: launchUrl } : {}) });
  });

  router.get('/launches/:launch', noStore, async (req, res) => {
    const client = await registrar(req);
    const launch = await findRegisteredLaunch(deps.db, req.params.launch, client.id);
    if (!launch) throw new NotFound('no such launch');
    res.json(describeLaunch(launch));
  });

  router.delete('/launches/:launch', async (req, res) => {
    const client = await registrar(req);
    if (!(await cancelLaunch(deps.db, req.params.launch, client.id))) throw new NotFound('no such launch');
    await recordAudit(deps.db, { event: 'launch.cancelled', clientId: client.id, requestId: req.id as string });
    res.status(204).end();
  });

  return router;
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
