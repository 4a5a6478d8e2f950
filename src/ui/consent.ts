import type { FhirContextItem } from '../context/index.ts';
import type { EncounterSummary, PatientSummary } from '../fhir/index.ts';
import type { CategoryChoice, Scope } from '../scopes/index.ts';
import { html, page, type SafeHtml } from './html.ts';
import { describeScope } from './scope-text.ts';

/** One scope on the consent page: required or not, and the categories it may be narrowed to. */
export interface ConsentItem {
  scope: Scope;
  required: boolean;
  categories: CategoryChoice[];
}

/** Everything the consent page shows: who is asking for what, for whom, in which context. */
export interface ConsentOffer {
  clientName: string;
  items: ConsentItem[];
  signedIn: { username?: string; fhirUser?: string; name?: string } | undefined;
  /** The signed-in user is the patient in context (a Patient user). */
  userIsPatient: boolean;
  patient: PatientSummary | undefined;
  encounter: EncounterSummary | undefined;
  fhirContext: FhirContextItem[];
}

/**
 * The consent page: who is signed in, the app, patient, encounter and other
 * context, and the scopes in plain words; the user may untick scopes (not
 * `launch`), grant a type only for chosen categories, approve or deny.
 */
export function consentPage(offer: ConsentOffer, csrf: string): string {
  return page(
    'Allow access',
    html`<h1>${offer.clientName} wants access</h1>
      ${contextCard(offer)}
      <form method="post" action="/consent">
        <input type="hidden" name="csrf" value="${csrf}">
        <div class="card">
          ${offer.items.length === 0 ? html`<p class="muted">No data access: only what the app needs to start.</p>` : ''}
          ${offer.items.map((item) => scopeChoice(item, offer.userIsPatient))}
        </div>
        <button type="submit" name="decision" value="approve">Allow</button>
        <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
      </form>`,
  );
}

function contextCard({ signedIn, patient, encounter, fhirContext, userIsPatient }: ConsentOffer): SafeHtml {
  const who = signedIn ? [signedIn.name, signedIn.username ? `(${signedIn.username})` : undefined].filter(Boolean).join(' ') : '';
  return html`<div class="card" id="context">
    ${signedIn
      ? html`<p><strong>Signed in as:</strong> <span id="signed-in">${who || signedIn.fhirUser}</span>
          ${signedIn.fhirUser ? html`<span class="muted"> · ${signedIn.fhirUser}</span>` : ''}</p>`
      : ''}
    ${patient
      ? html`<p><strong>${userIsPatient ? 'Your record' : 'Patient'}:</strong> <span id="patient-name">${patient.name}</span>
          ${patient.birthDate ? html`<span class="muted"> · born ${patient.birthDate}</span>` : ''}</p>`
      : ''}
    ${encounter
      ? html`<p><strong>Encounter:</strong> <span id="encounter">${[encounter.type ?? encounter.class, encounter.date?.slice(0, 10)].filter(Boolean).join(', ') || encounter.id}</span>
          <span class="muted"> · ${encounter.status}</span></p>`
      : ''}
    ${fhirContext.length
      ? html`<p><strong>Also open in the EHR:</strong></p><ul id="fhir-context">${fhirContext.map(
          (item) => html`<li>${item.reference ?? item.canonical ?? item.identifier?.value ?? ''}${item.type ? html` <span class="muted">(${item.type})</span>` : ''}${item.role ? html` <span class="muted">· ${item.role}</span>` : ''}</li>`,
        )}</ul>`
      : ''}
  </div>`;
}

function scopeChoice({ scope, required, categories }: ConsentItem, userIsPatient: boolean): SafeHtml {
  const text = describeScope(scope, { userIsPatient });
  if (required) return html`<p>✔ ${text}</p>`;
  const whole = html`<label><input type="checkbox" name="scope" value="${scope.raw}" checked> ${text}
    <span class="muted">(${scope.raw})</span></label>`;
  if (!categories.length) return whole;
  return html`<fieldset class="categories">${whole}
    <p class="muted">Or untick the line above and allow only these categories:</p>
    ${categories.map(
      (c) => html`<label style="margin-left:1.5rem"><input type="checkbox" name="scope" value="${c.scope}"> ${c.display}</label>`,
    )}
  </fieldset>`;
}
