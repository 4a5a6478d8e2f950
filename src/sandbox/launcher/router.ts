import express, { Router, type Response } from 'express';
import type { AppDeps } from '../../deps.ts';
import { MAX_PAGE_SIZE } from '../../fhir/index.ts';
import { registerLaunch } from '../../launches/register.ts';
import { OAuthError, SignInRequired } from '../../oauth/errors.ts';
import { findClient, type Client } from '../../store/clients.ts';
import { saveSandboxClient } from '../../store/sandbox-clients.ts';
import { endSession } from '../../store/sessions.ts';
import { html, page } from '../../ui/html.ts';
import { fromFhir } from '../../http/page-errors.ts';
import { signIn, throttledMessage } from '../../account/sign-in.ts';
import { signInForm } from '../../ui/sign-in.ts';
import { backendTab } from './backend.ts';
import { ADHOC, FormProblem, adhocRedirectUris, defaultForm, isHttpUrl, launchFormSchema, registrationFrom, type LaunchForm } from './form.ts';
import { sendFramePage } from '../../ui/launcher/frame.ts';
import { issueLauncherCsrf, launchRefusal, launcherUser, requireLauncherPost, type LauncherUser } from './guard.ts';
import { launcherPage, standaloneTab, type LaunchableApp, type LauncherTab } from '../../ui/launcher/page.ts';
import { noStore } from '../../http/no-store.ts';
import { clearCookie, readCookie } from '../../http/cookies.ts';

/** How long an ad-hoc app of the launcher stays registered. */
const SANDBOX_CLIENT_HOURS = 12;
const ADHOC_SCOPE = 'launch launch/patient launch/encounter openid fhirUser profile offline_access online_access patient/*.rs user/*.rs';

/**
 * /launcher: a simulated EHR for app developers, on only with launcher.enabled.
 * The user signs in (the same sign-in and throttling as an app's sign-in) and
 * launches apps as themselves: a Practitioner from a provider EHR, a Patient
 * from a patient portal. Launches go through registerLaunch, as POST /launches does.
 */
export function launcherRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 30 });

  router.get('/launcher', noStore, async (req, res) => {
    const user = await launcherUser(req, deps);
    if (!user) return sendSignIn(res, deps, undefined);
    const tab = (['ehr', 'standalone', 'backend'] as const).find((t) => t === req.query.tab) ?? 'ehr';
    await sendLauncher(res, deps, user, tab, defaultForm(launchableApps(deps)[0]?.id ?? ''), undefined);
  });

  router.post('/launcher/sign-in', form, async (req, res) => {
    requireLauncherPost(req, deps);
    const result = await signIn(req, res, deps, null);
    if (result.outcome === 'throttled') return sendSignIn(res, deps, throttledMessage(res, result.refusal));
    if (result.outcome === 'invalid') return sendSignIn(res.status(result.status), deps, result.message);
    const refusal = launchRefusal(deps, result.user);
    if (refusal) {
      await endSession(deps.db, result.session.id);
      clearCookie(res, 'session');
      return sendSignIn(res.status(403), deps, refusal);
    }
    res.redirect(303, '/launcher');
  });

  router.post('/launcher/sign-out', form, async (req, res) => {
    requireLauncherPost(req, deps);
    const id = readCookie(req, 'session');
    if (id) await endSession(deps.db, id);
    clearCookie(res, 'session');
    res.redirect(303, '/launcher');
  });

  router.post('/launcher', form, async (req, res) => {
    requireLauncherPost(req, deps);
    const user = await launcherUser(req, deps);
    if (!user) throw new SignInRequired('Sign in to the launcher first: it launches apps as the signed-in user.').asPage();
    const refusal = launchRefusal(deps, user);
    if (refusal) throw new OAuthError('access_denied', refusal).asPage();
    const parsed = launchFormSchema.safeParse(req.body ?? {});
    const choice = parsed.success ? parsed.data : defaultForm('');
    if (!parsed.success) return sendLauncher(res.status(400), deps, user, 'ehr', choice, 'The form was not complete; check the fields and launch again.');
    try {
      const app = await chosenApp(deps, choice);
      const patient = user.kind === 'patient' ? user.fhirUser!.slice('Patient/'.length) : choice.patient || undefined;
      const registrar = await launchRegistrar(deps);
      const { launchUrl, launch } = await registerLaunch(deps, {
        registrar,
        registration: registrationFrom(choice, user.fhirUser!, patient, app.id),
        requestId: req.id,
        via: 'launcher',
      });
      const target = new URL(launchUrl ?? app.launchUri!);
      if (!launchUrl) target.searchParams.set('launch', launch);
      // The sample app asks for these scopes instead of its defaults; other apps ignore the parameter.
      if (choice.scope) target.searchParams.set('scope', choice.scope);
      if (choice.open_in === 'window') return res.redirect(303, target.toString());
      const summary = patient ? await fromFhir(deps.fhir.getPatient(patient)) : undefined;
      sendFramePage(res, {
        launchUrl: target.toString(),
        appName: app.name,
        user,
        patient: summary && deps.fhir.summarisePatient(summary),
        encounter: choice.encounter || undefined,
      });
    } catch (error) {
      const message = error instanceof FormProblem ? error.message : error instanceof OAuthError && error.code === 'invalid_request' ? error.description : undefined;
      if (message === undefined) throw error;
      await sendLauncher(res.status(400), deps, user, 'ehr', choice, message);
    }
  });
  return router;
}

function launchableApps(deps: AppDeps): LaunchableApp[] {
  return deps.config.clients
    .filter((c) => !c.disabled && c.launchUri && c.grantTypes.includes('authorization_code'))
    .map((c) => ({ id: c.id, name: c.name, launchUri: c.launchUri! }));
}

/** A registered app from the list, or the ad-hoc one, saved as a temporary client. */
async function chosenApp(deps: AppDeps, choice: LaunchForm): Promise<Client> {
  if (choice.client_id !== ADHOC) {
    const app = await findClient(deps.db, choice.client_id);
    if (!app || app.disabled || !app.launchUri || !app.grantTypes.includes('authorization_code'))
      throw new FormProblem(`App "${choice.client_id}" is not a launchable app (a client with a launchUri in smart-config/clients.json).`);
    return app;
  }
  const id = choice.adhoc_client_id;
  if (!/^[A-Za-z0-9._~-]{1,128}$/.test(id)) throw new FormProblem('Ad-hoc app: the client id must be 1-128 characters of A-Z a-z 0-9 . _ ~ -');
  if (!isHttpUrl(choice.adhoc_launch_uri)) throw new FormProblem('Ad-hoc app: the launch URL must be an absolute http(s) URL');
  const saved = await saveSandboxClient(deps.db, {
    id,
    name: `${id} (ad-hoc)`,
    redirectUris: adhocRedirectUris(choice.adhoc_redirect_uris),
    launchUri: choice.adhoc_launch_uri,
    scope: choice.scope || ADHOC_SCOPE,
    expiresAt: new Date(Date.now() + SANDBOX_CLIENT_HOURS * 3600_000),
  });
  if (!saved) throw new FormProblem(`Ad-hoc app: client id "${id}" belongs to a registered client; choose it from the list or use another id.`);
  return (await findClient(deps.db, id))!;
}

/** Who the launcher registers launches as: the first enabled launch-registrar client. */
async function launchRegistrar(deps: AppDeps): Promise<Client> {
  for (const candidate of deps.config.clients.filter((c) => c.roles.includes('launch-registrar'))) {
    const client = await findClient(deps.db, candidate.id);
    if (client && !client.disabled && client.roles.includes('launch-registrar')) return client;
  }
  throw new OAuthError('not_found', 'The launcher needs an enabled client with the launch-registrar role in smart-config/clients.json.').asPage();
}

function demoLogins(deps: AppDeps, prefix: string): string | undefined {
  const user = deps.config.users.find((u) => u.demo && u.password && u.roles.includes('launch') && u.fhirUser?.startsWith(prefix));
  return user && `${user.username} / ${user.password}`;
}

function sendSignIn(res: Response, deps: AppDeps, error: string | undefined): void {
  const csrf = issueLauncherCsrf(res, deps);
  const demo = [demoLogins(deps, 'Practitioner/'), demoLogins(deps, 'Patient/')].filter(Boolean).join(', ');
  res.type('html').send(
    page(
      'Launcher: sign in',
      html`${signInForm({
          action: '/launcher/sign-in',
          csrf,
          who: 'The launcher is a simulated EHR: sign in as the clinician or the patient who launches apps.',
          error,
        })}
        ${demo ? html`<p class="muted" id="demo-users">Demo users: ${demo} (smart-config/users.json).</p>` : ''}`,
    ),
  );
}

async function sendLauncher(res: Response, deps: AppDeps, user: LauncherUser, tab: LauncherTab, form: LaunchForm, error: string | undefined) {
  const csrf = issueLauncherCsrf(res, deps);
  const apps = launchableApps(deps);
  const own = user.kind === 'patient' ? user.fhirUser!.slice('Patient/'.length) : undefined;
  const patients = own
    ? [await fromFhir(deps.fhir.getPatient(own))].filter((p) => p !== undefined).map((p) => deps.fhir.summarisePatient(p))
    : (await fromFhir(deps.fhir.searchPatients({ pageSize: MAX_PAGE_SIZE }))).patients;
  const encounters = await fromFhir(
    Promise.all(patients.map(async (p) => ({ patient: p.id, encounters: await deps.fhir.listEncounters(p.id) }))),
  );
  const { issuer, fhirBaseUrl, launcher } = deps.config;
  const tabBody =
    tab === 'standalone'
      ? standaloneTab(apps, fhirBaseUrl, { provider: demoLogins(deps, 'Practitioner/'), patient: demoLogins(deps, 'Patient/') })
      : tab === 'backend'
        ? backendTab(deps.config.clients, issuer)
        : undefined;
  res.type('html').send(
    launcherPage({ user, csrf, tab, apps, patients, encounters, form, error, simulatedErrors: launcher.simulatedErrors, fhirBaseUrl, tabBody }),
  );
}

