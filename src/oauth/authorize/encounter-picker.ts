import express, { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.ts';
import { encounterPatientId } from '../../fhir/index.ts';
import { asPage, fromFhir } from '../../http/page-errors.ts';
import { parseInput } from '../../http/validate.ts';
import { issueCsrfToken, updateInteraction } from '../../store/interactions.ts';
import { encounterPickerPage } from '../../ui/pickers.ts';
import { invalidRequest } from '../errors.ts';
import { interactionAt } from './interaction.ts';
import { fhirId, patientSummaries } from './patient-picker.ts';
import { mayPickEncounter } from './steps.ts';

const encounterChoiceSchema = z
  .object({ encounter: fhirId.optional(), without: z.literal('encounter').optional() })
  .refine((c) => (c.encounter === undefined) !== (c.without === undefined), 'choose an encounter or continue without one');

/**
 * Standalone launch encounter picker (SMART app-launch, "launch/encounter"):
 * once a patient is in context, the user chooses one of that patient's
 * encounters, or goes on without one.
 */
export function encounterPickerRouter(deps: AppDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get('/select-encounter', async (req, res) => {
    const interaction = await interactionAt(req, res, deps, 'select-encounter');
    if (!interaction) return;
    const patientId = interaction.context.patient!;
    const encounters = await fromFhir(deps.fhir.listEncounters(patientId));
    // SMART: the server may go on without an encounter when there is none to choose.
    if (encounters.length === 0) {
      await updateInteraction(deps.db, interaction.row.id_hash, { encounter_step_done: true });
      return res.redirect(303, '/interaction');
    }
    const [patient] = await fromFhir(patientSummaries(deps, [patientId]));
    const csrf = await issueCsrfToken(deps.db, interaction.row.id_hash);
    res.type('html').send(encounterPickerPage({ clientName: interaction.client.name, csrf, patientName: patient?.name ?? patientId, encounters }));
  });

  router.post('/select-encounter', form, async (req, res) => {
    const interaction = await interactionAt(req, res, deps, 'select-encounter');
    if (!interaction) return;
    const choice = asPage(() => parseInput(encounterChoiceSchema, req.body));
    let context = interaction.context;
    if (choice.encounter !== undefined) {
      const encounter = await fromFhir(deps.fhir.getEncounter(choice.encounter));
      if (!mayPickEncounter(encounterPatientId(encounter), interaction.context.patient!))
        throw invalidRequest("That encounter is not one of this patient's. Go back and pick one from the list.").asPage();
      context = { ...context, encounter: choice.encounter };
    }
    await updateInteraction(deps.db, interaction.row.id_hash, { context, encounter_step_done: true });
    res.redirect(303, '/interaction');
  });
  return router;
}
