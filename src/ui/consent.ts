import express, { Router } from 'express';
import type { AppDeps } from '../app.ts';
import { summarisePatient } from '../fhir/index.ts';
import { approveInteraction, denyInteraction, grantableScope } from '../oauth/authorize/finish.ts';
import { parseScopes } from '../scopes/index.ts';
import { issueCsrfToken } from '../store/interactions.ts';
import { html, page } from './html.ts';
import { currentInteraction, nextStep, requireCsrf, type CurrentInteraction } from './interaction.ts';
import { describeScope } from './scope-text.ts';

/** Scopes the user cannot untick: the EHR launch handle itself. */
const ALWAYS_KEPT = new Set(['launch']);

/**
 * The consent page: app name, patient, and the scopes in plain words; the user
 * may untick scopes (not `launch`), approve or deny. Trusted clients skip it.
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
    res.type('html').send(await consentPage(deps, interaction, csrf));
  });

  router.post('/consent', form, async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    await requireCsrf(req, deps, interaction);
    if (nextStep(interaction) !== 'consent') return res.redirect(303, '/interaction');
    const body = req.body as Record<string, unknown>;
    if (body.decision !== 'approve') return res.redirect(303, await denyInteraction(deps, interaction, req.id as string));
    const ticked = ([] as unknown[]).concat(body.scope ?? []).filter((s): s is string => typeof s === 'string');
    const kept = [...interaction.requestedScopes].filter((s) => ALWAYS_KEPT.has(s));
    const approved = [...new Set([...ticked, ...kept])];
    res.redirect(303, await approveInteraction(deps, interaction, approved, req.id as string));
  });
  return router;
}

async function consentPage(deps: AppDeps, interaction: CurrentInteraction, csrf: string): Promise<string> {
  const { client, context } = interaction;
  const offered = parseScopes(grantableScope(deps, interaction));
  const scopes = offered.ok ? offered.scopes : [];
  const patient = context.patient ? await deps.fhir.getPatient(context.patient).catch(() => undefined) : undefined;
  const summary = patient ? summarisePatient(patient) : undefined;
  return page(
    'Allow access',
    html`<h1>${client.name} wants access</h1>
      ${summary
        ? html`<div class="card"><strong>Patient:</strong> <span id="patient-name">${summary.name}</span>
            ${summary.birthDate ? html`<span class="muted"> · born ${summary.birthDate}</span>` : ''}</div>`
        : ''}
      <form method="post" action="/consent">
        <input type="hidden" name="csrf" value="${csrf}">
        <div class="card">
          ${scopes.length === 0 ? html`<p class="muted">No data access: only what the app needs to start.</p>` : ''}
          ${scopes.map((scope) =>
            ALWAYS_KEPT.has(scope.raw)
              ? html`<p>✔ ${describeScope(scope)}</p>`
              : html`<label><input type="checkbox" name="scope" value="${scope.raw}" checked> ${describeScope(scope)}
                  <span class="muted">(${scope.raw})</span></label>`,
          )}
        </div>
        <button type="submit" name="decision" value="approve">Allow</button>
        <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
      </form>`,
  );
}
