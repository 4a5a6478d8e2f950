import type { AppDeps } from '../../deps.ts';
import { displayName, summariseEncounter, summarisePatient } from '../../fhir/index.ts';
import { categoryChoices, parseScopes } from '../../scopes/index.ts';
import { findUser } from '../../store/users.ts';
import type { ConsentOffer } from '../../ui/consent.ts';
import { grantableScope } from './finish.ts';
import type { CurrentInteraction } from './interaction.ts';

/** Scopes the user cannot untick: the EHR launch handle itself. */
const ALWAYS_KEPT = new Set(['launch']);

/** What consent offers: the negotiated scopes, each with its category alternatives (smart-config/categories.json). */
export async function consentOffer(deps: AppDeps, interaction: CurrentInteraction): Promise<ConsentOffer> {
  const { client, context, row } = interaction;
  const parsed = parseScopes(grantableScope(deps, interaction));
  const items = (parsed.ok ? parsed.scopes : []).map((scope) => ({
    scope,
    required: ALWAYS_KEPT.has(scope.raw),
    categories: categoryChoices(scope, deps.config.categories),
  }));
  const quietly = <T>(p: Promise<T>) => p.catch(() => undefined);
  const user = row.user_id ? await findUser(deps.db, row.user_id) : undefined;
  const fhirUser = row.fhir_user ?? user?.fhirUser ?? undefined;
  const [userResource, patient, encounter] = await Promise.all([
    fhirUser ? quietly(deps.fhir.read(fhirUser)) : undefined,
    context.patient ? quietly(deps.fhir.getPatient(context.patient)) : undefined,
    context.encounter ? quietly(deps.fhir.getEncounter(context.encounter)) : undefined,
  ]);
  const names = userResource && 'name' in userResource ? (userResource.name as fhir4.HumanName[] | undefined) : undefined;
  return {
    clientName: client.name,
    items,
    signedIn: user || fhirUser ? { username: user?.username, fhirUser, name: names ? displayName(names[0]) || undefined : undefined } : undefined,
    userIsPatient: Boolean(context.patient && fhirUser === `Patient/${context.patient}`),
    patient: patient ? summarisePatient(patient) : undefined,
    encounter: encounter ? summariseEncounter(encounter) : undefined,
    fhirContext: context.fhirContext ?? [],
  };
}

/**
 * The scopes the user approved: the ticked boxes (whole scopes, or granular
 * category scopes the page offered) plus the required ones. Approval can only
 * narrow what was offered (approveInteraction negotiates again), so a granted
 * scope is exactly one the user chose.
 */
export function approvedScopes(interaction: CurrentInteraction, ticked: readonly string[]): string[] {
  const kept = [...interaction.requestedScopes].filter((s) => ALWAYS_KEPT.has(s));
  return [...new Set([...ticked, ...kept])];
}
