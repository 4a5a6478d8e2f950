import type { EncounterSummary, PatientSummary } from '../../fhir/index.ts';
import { SIMULATED_ERROR_LABELS, SIMULATED_ERRORS } from '../../sandbox/simulated-errors.ts';
import { html, page, type SafeHtml } from '../html.ts';
import { ADHOC, type LaunchForm } from '../../sandbox/launcher/form.ts';
import type { LauncherUser } from '../../sandbox/launcher/guard.ts';

/** An app the launcher can open: a client with a launch URL that uses the authorization code flow. */
export interface LaunchableApp {
  id: string;
  name: string;
  launchUri: string;
}

export type LauncherTab = 'ehr' | 'standalone' | 'backend';

export interface LauncherView {
  user: LauncherUser;
  csrf: string;
  tab: LauncherTab;
  apps: LaunchableApp[];
  /** For a provider: every patient; for a patient: themselves. */
  patients: PatientSummary[];
  encounters: Array<{ patient: string; encounters: EncounterSummary[] }>;
  form: LaunchForm;
  error: string | undefined;
  simulatedErrors: boolean;
  fhirBaseUrl: string;
  tabBody?: SafeHtml;
}

const TABS: Array<[LauncherTab, string]> = [
  ['ehr', 'EHR launch'],
  ['standalone', 'Standalone launch'],
  ['backend', 'Backend services'],
];

/** The simulated EHR: who is signed in, tabs per launch type, and the launch form. */
export function launcherPage(view: LauncherView): string {
  const { user } = view;
  return page(
    'Launcher',
    html`<link rel="stylesheet" href="/launcher/assets/launcher.css"><script type="module" src="/launcher/assets/launcher.js"></script>
      <header class="ehr-header">
        <h1>Simulated EHR</h1>
        <form method="post" action="/launcher/sign-out" class="signed-in">
          <input type="hidden" name="csrf" value="${view.csrf}">
          Signed in as <strong id="signed-in-user">${user.username}</strong> <span class="muted">(${user.fhirUser})</span>
          <button type="submit" class="secondary small">Sign out</button>
        </form>
      </header>
      <nav class="tabs">${TABS.map(
        ([tab, label]) => html`<a href="/launcher?tab=${tab}" class="${tab === view.tab ? 'active' : ''}" id="tab-${tab}">${label}</a>`,
      )}</nav>
      ${view.tab === 'ehr' ? ehrForm(view) : view.tabBody}`,
  );
}

function ehrForm(view: LauncherView): SafeHtml {
  const { form, user } = view;
  const selected = (a: string, b: string) => (a === b ? html` selected` : '');
  const day = (date: string | undefined) => date?.slice(0, 10) ?? '';
  return html`<p class="muted">${user.kind === 'patient'
      ? 'Patient portal launch: you are the patient; the app opens your record.'
      : 'Provider EHR launch: the app opens in the context you choose, as you.'}
      The launch is registered like <code>POST /launches</code> and the app's launch URL is opened with <code>iss</code> and <code>launch</code>.</p>
    ${view.error ? html`<p class="error" role="alert" id="launch-error">${view.error}</p>` : ''}
    <form id="launch" method="post" action="/launcher" class="card">
      <input type="hidden" name="csrf" value="${view.csrf}">
      <label>App <select name="client_id" id="client_id" required>
        ${view.apps.map((c) => html`<option value="${c.id}"${selected(form.client_id, c.id)}>${c.name} (${c.id})</option>`)}
        <option value="${ADHOC}"${selected(form.client_id, ADHOC)}>Another app (ad-hoc, below)</option>
      </select></label>
      <fieldset id="adhoc"><legend>Ad-hoc app <span class="muted">(a temporary public client, only in sandbox mode)</span></legend>
        <label>Launch URL <input type="text" name="adhoc_launch_uri" value="${form.adhoc_launch_uri}" placeholder="http://localhost:8080/launch.html"></label>
        <label>Client id <input type="text" name="adhoc_client_id" value="${form.adhoc_client_id}" placeholder="my-app"></label>
        <label>Redirect URIs, one per line <textarea name="adhoc_redirect_uris" rows="2">${form.adhoc_redirect_uris}</textarea></label>
      </fieldset>
      ${user.kind === 'patient'
        ? html`<input type="hidden" name="patient" value="${view.patients[0]?.id ?? ''}">
            <p><strong>Patient:</strong> ${view.patients[0]?.name ?? ''} (${view.patients[0]?.id ?? ''})</p>`
        : html`<label>Patient <select name="patient" id="patient">
            <option value="">No patient (a launch without patient context)</option>
            ${view.patients.map(
              (p) => html`<option value="${p.id}"${selected(form.patient, p.id)}>${p.name || p.id}${p.birthDate ? ` · ${p.birthDate}` : ''} (${p.id})</option>`,
            )}</select></label>`}
      <label>Encounter <span class="muted">(the chosen patient's)</span> <select name="encounter" id="encounter">
        <option value="">No encounter</option>
        ${view.encounters.map(({ patient, encounters }) =>
          encounters.map(
            (e) => html`<option value="${e.id}" data-patient="${patient}"${selected(form.encounter, e.id)}>${day(e.date)} · ${e.class ?? ''} · ${e.type ?? e.status} (${e.id})</option>`,
          ),
        )}
      </select></label>
      <details${form.scope || form.fhir_context || form.intent || form.tenant || form.extra || form.smart_style_url ? html` open` : ''}>
        <summary>Launch context and scopes</summary>
        <label>Scopes <span class="muted">(the sample app asks for these instead of its defaults; an ad-hoc app may have them)</span>
          <input type="text" name="scope" value="${form.scope}" placeholder="launch openid fhirUser patient/*.rs offline_access"></label>
        <label>fhirContext <span class="muted">(references, one per line, or a JSON array of SMART fhirContext objects)</span>
          <textarea name="fhir_context" rows="2" placeholder="DiagnosticReport/dr001">${form.fhir_context}</textarea></label>
        <label>intent <input type="text" name="intent" value="${form.intent}" placeholder="reconcile-medications"></label>
        <label>smart_style_url <input type="text" name="smart_style_url" value="${form.smart_style_url}"></label>
        <label>tenant <input type="text" name="tenant" value="${form.tenant}"></label>
        <label class="inline"><input type="checkbox" name="need_patient_banner" value="true"${form.need_patient_banner !== undefined ? html` checked` : ''}>
          need_patient_banner <span class="muted">(the app should show its own patient banner)</span></label>
        <label>extra <span class="muted">(JSON for claim rules, e.g. {"tenant": "hospital-a"})</span>
          <textarea name="extra" rows="2">${form.extra}</textarea></label>
      </details>
      ${view.simulatedErrors
        ? html`<label>Simulate an error <span class="muted">(for testing how the app copes; sandbox mode only)</span>
            <select name="simulate" id="simulate"><option value="">None</option>
              ${SIMULATED_ERRORS.map((e) => html`<option value="${e}"${selected(form.simulate, e)}>${SIMULATED_ERROR_LABELS[e]}</option>`)}
            </select></label>`
        : ''}
      <fieldset><legend>Open the app</legend>
        <label class="inline"><input type="radio" name="open_in" value="frame"${form.open_in === 'frame' ? html` checked` : ''}> in the EHR frame, under a patient banner</label>
        <label class="inline"><input type="radio" name="open_in" value="window"${form.open_in === 'window' ? html` checked` : ''}> full window</label>
      </fieldset>
      <button type="submit" id="launch-button">Launch</button>
    </form>`;
}

/** Standalone shortcuts: the app's launch URL with only `iss` (no `launch`): the app starts the flow itself. */
export function standaloneTab(apps: LaunchableApp[], fhirBaseUrl: string, demo: { provider?: string; patient?: string }): SafeHtml {
  const hint = (who: string | undefined) => (who ? html` <span class="muted">and sign in as ${who}</span>` : '');
  const link = (app: LaunchableApp) => {
    const url = new URL(app.launchUri);
    url.searchParams.set('iss', fhirBaseUrl);
    return url.toString();
  };
  return html`<p class="muted">A standalone launch starts at the app: it signs the user in here and asks for
      <code>launch/patient</code> to get a patient picker. Open an app with <code>iss</code> only:</p>
    <table class="card" id="standalone-links"><tr><th>App</th><th>Provider standalone</th><th>Patient standalone</th></tr>
      ${apps.map(
        (app) => html`<tr><td>${app.name}</td>
          <td><a href="${link(app)}" target="_blank" rel="noopener">open</a>${hint(demo.provider)}</td>
          <td><a href="${link(app)}" target="_blank" rel="noopener">open</a>${hint(demo.patient)}</td></tr>`,
      )}</table>`;
}
