import express, { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { encounterPatientId, MAX_PAGE_SIZE, isFhirId, type EncounterSummary, type PatientSummary } from '../fhir/index.ts';
import { parseInput } from '../http/validate.ts';
import { OAuthError, invalidRequest } from '../oauth/errors.ts';
import { recordAudit } from '../store/audit.ts';
import { findClient, type Client } from '../store/clients.ts';
import { createLaunch } from '../store/launches.ts';
import { findUser } from '../store/users.ts';
import { randomToken, safeEqual } from '../tokens/secrets.ts';
import { html, page } from './html.ts';
import { asPage, fromFhir } from './page-errors.ts';

/** Double-submit CSRF cookie: only /launcher reads it, and SameSite=Strict keeps other sites' posts without it. */
const LAUNCHER_CSRF_COOKIE = 'smart_launch_launcher_csrf';

/**
 * A developer's EHR stand-in at /launcher: pick an app, a practitioner, a
 * patient (and an encounter), press Launch. It registers an EHR launch as the
 * first launch-registrar client would (POST /launches) and opens the app's
 * launch URL with `iss` and `launch`. A dev tool, on by default.
 */
export function launcherRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  router.get('/launcher', async (_req, res) => {
    await registrar(deps);
    const patients = (await fromFhir(deps.fhir.searchPatients({ pageSize: MAX_PAGE_SIZE }))).patients;
    const encounters = await fromFhir(Promise.all(patients.map((p) => deps.fhir.listEncounters(p.id))));
    const csrf = randomToken();
    res.cookie(LAUNCHER_CSRF_COOKIE, csrf, {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.config.issuer.startsWith('https:'),
      path: '/launcher',
    });
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(launcherPage(deps, csrf, patients, encounters));
  });

  router.post('/launcher', form, async (req, res) => {
    requireLauncherCsrf(req);
    const choice = asPage(() => parseInput(launchChoiceSchema, req.body));
    const app = await findClient(deps.db, choice.client_id);
    if (!app || !isLaunchable(app)) throw invalidRequest('Choose an app from the list.').asPage();
    const user = await findUser(deps.db, choice.user);
    if (!user || user.disabled || !user.fhirUser?.startsWith('Practitioner/')) throw invalidRequest('Choose a practitioner from the list.').asPage();
    if (!(await fromFhir(deps.fhir.getPatient(choice.patient)))) throw invalidRequest('That patient does not exist.').asPage();
    if (choice.encounter) {
      const encounter = await fromFhir(deps.fhir.getEncounter(choice.encounter));
      if (encounterPatientId(encounter) !== choice.patient)
        throw invalidRequest("That encounter is not one of the chosen patient's.").asPage();
    }
    const by = await registrar(deps);
    const launch = await deps.db.transaction().execute(async (trx) => {
      const value = await createLaunch(trx, {
        registered_by: by.id,
        for_client: app.id,
        patient: choice.patient,
        encounter: choice.encounter ?? null,
        fhir_context: null,
        fhir_user: user.fhirUser,
        need_patient_banner: true,
        smart_style_url: null,
        intent: null,
        tenant: null,
        extra: {},
        expires_at: new Date(Date.now() + deps.config.launches.defaultExpiresInSeconds * 1000),
      });
      await recordAudit(trx, {
        event: 'launch.registered',
        clientId: by.id,
        userId: user.fhirUser,
        patient: choice.patient,
        requestId: req.id as string,
        details: { for_client: app.id, encounter: choice.encounter ?? null, via: 'launcher' },
      });
      return value;
    });
    const target = new URL(app.launchUri!);
    target.searchParams.set('iss', deps.config.fhirBaseUrl);
    target.searchParams.set('launch', launch);
    res.redirect(303, target.toString());
  });
  return router;
}

const fhirId = z.string().refine(isFhirId, 'is not a FHIR id');
const launchChoiceSchema = z.object({
  client_id: z.string().min(1).max(200),
  user: z.string().min(1).max(200),
  patient: fhirId,
  encounter: z.union([z.literal('').transform(() => undefined), fhirId]).optional(),
});

function isLaunchable(client: Client): boolean {
  return !client.disabled && client.launchUri !== null && client.grantTypes.includes('authorization_code');
}

/** Who the launcher registers launches as: the first enabled launch-registrar client. */
async function registrar(deps: AppDeps): Promise<Client> {
  for (const candidate of deps.config.clients.filter((c) => c.roles.includes('launch-registrar'))) {
    const client = await findClient(deps.db, candidate.id);
    if (client && !client.disabled && client.roles.includes('launch-registrar')) return client;
  }
  throw new OAuthError('not_found', 'The launcher needs an enabled client with the launch-registrar role in smart-config/clients.json.').asPage();
}

function requireLauncherCsrf(req: Request): void {
  const cookie: unknown = req.cookies?.[LAUNCHER_CSRF_COOKIE];
  const sent = (req.body as Record<string, unknown> | undefined)?.csrf;
  if (typeof cookie !== 'string' || typeof sent !== 'string' || cookie.length > 100 || !safeEqual(cookie, sent))
    throw invalidRequest('This form has expired or did not come from the launcher page. Reload the launcher and try again.').asPage();
}

function launcherPage(deps: AppDeps, csrf: string, patients: PatientSummary[], encounters: EncounterSummary[][]): string {
  const apps = deps.config.clients.filter((c) => !c.disabled && c.launchUri && c.grantTypes.includes('authorization_code'));
  const practitioners = deps.config.users.filter((u) => !u.disabled && u.fhirUser?.startsWith('Practitioner/'));
  const day = (date: string | undefined) => date?.slice(0, 10) ?? '';
  return page(
    'Launcher',
    html`<h1>EHR launcher</h1>
      <p class="muted">A developer tool: registers an EHR launch and opens the app's launch URL, as an EHR would.</p>
      <form id="launch" method="post" action="/launcher" class="card">
        <input type="hidden" name="csrf" value="${csrf}">
        <label>App <select name="client_id" required>${apps.map(
          (c) => html`<option value="${c.id}">${c.name} (${c.id})</option>`,
        )}</select></label>
        <label>Practitioner <select name="user" required>${practitioners.map(
          (u) => html`<option value="${u.id}">${u.username} (${u.fhirUser})</option>`,
        )}</select></label>
        <label>Patient <select name="patient" required>${patients.map(
          (p) => html`<option value="${p.id}">${p.name || p.id}${p.birthDate ? ` · ${p.birthDate}` : ''} (${p.id})</option>`,
        )}</select></label>
        <label>Encounter (optional; must be the patient's) <select name="encounter">
          <option value="">No encounter</option>
          ${patients.map((p, i) =>
            encounters[i]?.length
              ? html`<optgroup label="${p.name || p.id}">${encounters[i].map(
                  (e) => html`<option value="${e.id}">${day(e.date)} · ${e.class ?? ''} · ${e.type ?? e.status} (${e.id})</option>`,
                )}</optgroup>`
              : '',
          )}
        </select></label>
        <button type="submit">Launch</button>
      </form>
      <p class="muted">For a standalone launch, open the <a href="/sample-app/">sample app</a> and press "Standalone launch".</p>`,
  );
}
