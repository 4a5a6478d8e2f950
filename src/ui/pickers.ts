import express, { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { encounterPatientId, isFhirId, patientsVisibleTo, type EncounterSummary, type PatientSummary } from '../fhir/index.ts';
import { parseInput } from '../http/validate.ts';
import { invalidRequest } from '../oauth/errors.ts';
import { issueCsrfToken, updateInteraction } from '../store/interactions.ts';
import { html, page } from './html.ts';
import { asPage, fromFhir } from './page-errors.ts';
import { currentInteraction, nextStep, requireCsrf, type CurrentInteraction } from './interaction.ts';

/**
 * Standalone launch pickers (SMART app-launch, "launch/patient" and
 * "launch/encounter"): the signed-in user chooses the patient, then one of that
 * patient's encounters, and the choice joins the interaction's launch context.
 */
export function pickersRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get('/select-patient', async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    if (nextStep(interaction) !== 'select-patient') return res.redirect(303, '/interaction');
    const query = asPage(() => parseInput(searchSchema, req.query));
    const allowed = await fromFhir(allowedPatients(deps, interaction));
    const result = allowed
      ? { patients: await fromFhir(patientSummaries(deps, allowed)), total: allowed.length, page: 1, pageSize: allowed.length }
      : await fromFhir(deps.fhir.searchPatients({ text: query.q, page: query.page }));
    const csrf = await issueCsrfToken(deps.db, interaction.row.id_hash);
    res.type('html').send(patientPage(interaction, csrf, query.q ?? '', result, allowed !== undefined));
  });

  router.post('/select-patient', form, async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    await requireCsrf(req, deps, interaction);
    if (nextStep(interaction) !== 'select-patient') return res.redirect(303, '/interaction');
    const { patient } = asPage(() => parseInput(z.object({ patient: fhirId }), req.body));
    const allowed = await fromFhir(allowedPatients(deps, interaction));
    // An id sent by hand must name a patient that exists and that this user may choose.
    if ((allowed && !allowed.includes(patient)) || !(await fromFhir(deps.fhir.getPatient(patient))))
      throw invalidRequest('That patient is not one you can choose. Go back and pick one from the list.').asPage();
    await updateInteraction(deps.db, interaction.row.id_hash, { context: { ...interaction.context, patient } });
    res.redirect(303, '/interaction');
  });

  router.get('/select-encounter', async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    if (nextStep(interaction) !== 'select-encounter') return res.redirect(303, '/interaction');
    const patientId = interaction.context.patient!;
    const encounters = await fromFhir(deps.fhir.listEncounters(patientId));
    // SMART: the server may go on without an encounter when there is none to choose.
    if (encounters.length === 0) {
      await updateInteraction(deps.db, interaction.row.id_hash, { encounter_step_done: true });
      return res.redirect(303, '/interaction');
    }
    const [patient] = await fromFhir(patientSummaries(deps, [patientId]));
    const csrf = await issueCsrfToken(deps.db, interaction.row.id_hash);
    res.type('html').send(encounterPage(interaction, csrf, patient, encounters));
  });

  router.post('/select-encounter', form, async (req, res) => {
    const interaction = await currentInteraction(req, deps);
    await requireCsrf(req, deps, interaction);
    if (nextStep(interaction) !== 'select-encounter') return res.redirect(303, '/interaction');
    const choice = asPage(() => parseInput(encounterChoiceSchema, req.body));
    const patient = interaction.context.patient!;
    let context = interaction.context;
    if (choice.encounter !== undefined) {
      const encounter = await fromFhir(deps.fhir.getEncounter(choice.encounter));
      if (encounterPatientId(encounter) !== patient)
        throw invalidRequest("That encounter is not one of this patient's. Go back and pick one from the list.").asPage();
      context = { ...context, encounter: choice.encounter };
    }
    await updateInteraction(deps.db, interaction.row.id_hash, { context, encounter_step_done: true });
    res.redirect(303, '/interaction');
  });
  return router;
}

const fhirId = z.string().refine(isFhirId, 'is not a FHIR id');
const searchSchema = z.object({
  q: z.string().trim().max(200, 'is too long').optional(),
  page: z.coerce.number().int().min(1).max(1000).optional(),
});
const encounterChoiceSchema = z
  .object({ encounter: fhirId.optional(), without: z.literal('encounter').optional() })
  .refine((c) => (c.encounter === undefined) !== (c.without === undefined), 'choose an encounter or continue without one');

/** Whom this user may pick (see patientsVisibleTo), or undefined for anyone. */
function allowedPatients(deps: AppDeps, interaction: CurrentInteraction): Promise<string[] | undefined> {
  return patientsVisibleTo(deps.fhir, interaction.row.fhir_user ?? undefined);
}

async function patientSummaries(deps: AppDeps, ids: readonly string[]): Promise<PatientSummary[]> {
  const found = await Promise.all(ids.map((id) => deps.fhir.getPatient(id)));
  return found.filter((p): p is fhir4.Patient => p !== undefined).map((p) => deps.fhir.summarisePatient(p));
}

function patientPage(
  interaction: CurrentInteraction,
  csrf: string,
  q: string,
  result: { patients: PatientSummary[]; total: number; page: number; pageSize: number },
  restricted: boolean,
): string {
  const pages = Math.max(1, Math.ceil(result.total / Math.max(1, result.pageSize)));
  const link = (n: number) => `/select-patient?${new URLSearchParams({ ...(q ? { q } : {}), page: String(n) })}`;
  return page(
    'Select a patient',
    html`<h1>Select a patient</h1>
      <p class="muted">${interaction.client.name} opens one patient's record. Choose the patient.</p>
      ${restricted
        ? ''
        : html`<form id="search" method="get" action="/select-patient" role="search" class="card">
            <label>Name or identifier <input type="search" name="q" value="${q}" autofocus></label>
            <button type="submit" class="secondary">Search</button>
          </form>`}
      <form id="choose" method="post" action="/select-patient">
        <input type="hidden" name="csrf" value="${csrf}">
        ${result.patients.length === 0
          ? html`<p id="no-patients">No patients match${q ? html` "${q}"` : ''}.</p>`
          : html`<table id="patients">
              <thead><tr><th>Name</th><th>Birth date</th><th>Gender</th><th>Identifier</th><th></th></tr></thead>
              <tbody>${result.patients.map(
                (p) => html`<tr data-patient="${p.id}"><td>${p.name || p.id}</td><td>${p.birthDate ?? ''}</td>
                  <td>${p.gender ?? ''}</td><td>${p.identifier ?? ''}</td>
                  <td><button type="submit" name="patient" value="${p.id}">Select</button></td></tr>`,
              )}</tbody></table>`}
      </form>
      ${restricted
        ? ''
        : html`<p class="muted" id="paging">Page ${result.page} of ${pages} · ${result.total} patient${result.total === 1 ? '' : 's'}
            ${result.page > 1 ? html` · <a rel="prev" href="${link(result.page - 1)}">Previous</a>` : ''}
            ${result.page < pages ? html` · <a rel="next" href="${link(result.page + 1)}">Next</a>` : ''}</p>`}`,
  );
}

function encounterPage(
  interaction: CurrentInteraction,
  csrf: string,
  patient: PatientSummary | undefined,
  encounters: EncounterSummary[],
): string {
  const when = (date: string | undefined) => (date ? date.slice(0, 16).replace('T', ' ') : '');
  return page(
    'Select an encounter',
    html`<h1>Select an encounter</h1>
      <p class="muted">${interaction.client.name} can open the record at one visit.</p>
      <div class="card"><strong>Patient:</strong> <span id="patient-name">${patient?.name ?? interaction.context.patient}</span></div>
      <form id="choose" method="post" action="/select-encounter">
        <input type="hidden" name="csrf" value="${csrf}">
        <table id="encounters">
          <thead><tr><th>Date</th><th>Class</th><th>Type</th><th>Status</th><th></th></tr></thead>
          <tbody>${encounters.map(
            (e) => html`<tr data-encounter="${e.id}"><td>${when(e.date)}</td><td>${e.class ?? ''}</td><td>${e.type ?? ''}</td>
              <td>${e.status}</td><td><button type="submit" name="encounter" value="${e.id}">Select</button></td></tr>`,
          )}</tbody>
        </table>
        <p><button type="submit" name="without" value="encounter" class="secondary">Continue without an encounter</button></p>
      </form>`,
  );
}
