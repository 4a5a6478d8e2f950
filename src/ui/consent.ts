import express, { Router } from 'express';
import type { AppDeps } from '../deps.ts';
import { approvedScopes, consentOffer, type ConsentItem, type ConsentOffer } from '../oauth/authorize/consent-offer.ts';
import { approveInteraction, denyInteraction } from '../oauth/authorize/finish.ts';
import { issueCsrfToken } from '../store/interactions.ts';
import { html, page, type SafeHtml } from './html.ts';
import { currentInteraction, nextStep, requireCsrf } from './interaction.ts';
import { describeScope } from './scope-text.ts';

/**
 * The consent page: who is signed in, the app, patient, encounter and other
 * context, and the scopes in plain words; the user may untick scopes (not
 * `launch`), grant a type only for chosen categories, approve or deny.
 * Trusted clients skip it.
 */
export function consentRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 200 });

  router.get('/consent', async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    if (nextStep(interaction) !== 'consent') return res.redirect(303, '/interaction');
    if (interaction.client.consent === 'trusted')
      return res.redirect(303, await approveInteraction(deps, interaction, undefined, req.id as string));
    const csrf = await issueCsrfToken(deps.db, interaction.row.id_hash);
    res.type('html').send(consentPage(await consentOffer(deps, interaction), csrf));
  });

  router.post('/consent', form, async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    await requireCsrf(req, deps, interaction);
    if (nextStep(interaction) !== 'consent') return res.redirect(303, '/interaction');
    const body = req.body as Record<string, unknown>;
    if (body.decision !== 'approve') return res.redirect(303, await denyInteraction(deps, interaction, req.id as string));
    const ticked = ([] as unknown[]).concat(body.scope ?? []).filter((s): s is string => typeof s === 'string');
    res.redirect(303, await approveInteraction(deps, interaction, approvedScopes(interaction, ticked), req.id as string));
  });
  return router;
}

function consentPage(offer: ConsentOffer, csrf: string): string {
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
