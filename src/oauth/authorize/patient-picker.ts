import express, { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.ts';
import { isFhirId, patientsVisibleTo, type PatientSummary } from '../../fhir/index.ts';
import { asPage, fromFhir } from '../../http/page-errors.ts';
import { parseInput } from '../../http/validate.ts';
import { issueCsrfToken, updateInteraction } from '../../store/interactions.ts';
import { patientPickerPage } from '../../ui/pickers.ts';
import { invalidRequest } from '../errors.ts';
import { interactionAt, type CurrentInteraction } from './interaction.ts';
import { mayPickPatient } from './steps.ts';

export const fhirId = z.string().refine(isFhirId, 'is not a FHIR id');
const searchSchema = z.object({
  q: z.string().trim().max(200, 'is too long').optional(),
  page: z.coerce.number().int().min(1).max(1000).optional(),
});

/**
 * Standalone launch patient picker (SMART app-launch, "launch/patient"): the
 * signed-in user chooses the patient, who joins the interaction's launch context.
 */
export function patientPickerRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get('/select-patient', async (req, res) => {
    const interaction = await interactionAt(req, res, deps, 'select-patient');
    if (!interaction) return;
    const query = asPage(() => parseInput(searchSchema, req.query));
    const allowed = await fromFhir(allowedPatients(deps, interaction));
    const result = allowed
      ? { patients: await fromFhir(patientSummaries(deps, allowed)), total: allowed.length, page: 1, pageSize: allowed.length }
      : await fromFhir(deps.fhir.searchPatients({ text: query.q, page: query.page }));
    const csrf = await issueCsrfToken(deps.db, interaction.row.id_hash);
    res.type('html').send(patientPickerPage({ clientName: interaction.client.name, csrf, q: query.q ?? '', result, restricted: allowed !== undefined }));
  });

  router.post('/select-patient', form, async (req, res) => {
    const interaction = await interactionAt(req, res, deps, 'select-patient');
    if (!interaction) return;
    const { patient } = asPage(() => parseInput(z.object({ patient: fhirId }), req.body));
    // An id sent by hand must name a patient that exists and that this user may choose.
    if (!mayPickPatient(patient, await fromFhir(allowedPatients(deps, interaction))) || !(await fromFhir(deps.fhir.getPatient(patient))))
      throw invalidRequest('That patient is not one you can choose. Go back and pick one from the list.').asPage();
    await updateInteraction(deps.db, interaction.row.id_hash, { context: { ...interaction.context, patient } });
    res.redirect(303, '/interaction');
  });
  return router;
}

/** Whom this user may pick (see patientsVisibleTo), or undefined for anyone. */
function allowedPatients(deps: AppDeps, interaction: CurrentInteraction): Promise<string[] | undefined> {
  return patientsVisibleTo(deps.fhir, interaction.row.fhir_user ?? undefined);
}

/** The picker's summary of each patient that exists, in the order given. */
export async function patientSummaries(deps: AppDeps, ids: readonly string[]): Promise<PatientSummary[]> {
  const found = await Promise.all(ids.map((id) => deps.fhir.getPatient(id)));
  return found.filter((p): p is fhir4.Patient => p !== undefined).map((p) => deps.fhir.summarisePatient(p));
}
