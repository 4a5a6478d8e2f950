import type { AppDeps } from '../../deps.ts';
import type { Db } from '../../db/index.ts';
import { negotiateScopes, refreshAccess, serializeScopes } from '../../scopes/index.ts';
import { recordAudit } from '../../store/audit.ts';
import { createAuthorizationCode } from '../../store/codes.ts';
import { createGrant } from '../../store/grants.ts';
import { completeInteraction } from '../../store/interactions.ts';
import { findLaunchByHash } from '../../store/launches.ts';
import { OAuthError, accessDenied, invalidRequest } from '../errors.ts';
import type { CurrentInteraction } from './interaction.ts';

/**
 * The scopes this interaction grants: what was asked, narrowed to what the
 * client may have, then (after consent) to what the user kept, which can only
 * narrow further. Without a patient in context, patient/ scopes are dropped
 * (SMART: granting a patient/ scope SHALL set a patient context; we narrow
 * rather than refuse).
 */
export function grantableScope(deps: AppDeps, interaction: CurrentInteraction, approved?: readonly string[]): string {
  return serializeScopes(grantableScopes(interaction, approved));
}

function grantableScopes(interaction: CurrentInteraction, approved?: readonly string[]) {
  const { row } = interaction;
  const negotiate = (requested: string, clientAllowed: string) => {
    const result = negotiateScopes({ requested, clientAllowed, grantType: 'authorization_code' });
    if (!result.ok) throw new OAuthError('invalid_scope', result.error).redirectTo(row.redirect_uri, row.state);
    return result;
  };
  let granted = negotiate(row.requested_scope, interaction.client.scope);
  // The user's choice narrows the offer; the offer's order (the app's) is kept.
  if (approved) granted = negotiate(granted.scope, approved.join(' '));
  const hasPatient = Boolean(interaction.context.patient);
  return granted.granted.filter((s) => hasPatient || !(s.kind === 'clinical' && s.context === 'patient'));
}

/** Consent given: the grant is made, with a single-use code for it, and the browser goes back to the app. */
export async function approveInteraction(
  deps: AppDeps,
  interaction: CurrentInteraction,
  approved: readonly string[] | undefined,
  requestId: string | undefined,
): Promise<string> {
  const { row, client, context } = interaction;
  const scopes = grantableScopes(interaction, approved);
  const scope = serializeScopes(scopes);
  const code = await deps.db.transaction().execute(async (trx) => {
    await completeOnce(trx, interaction);
    // The EHR may cancel a launch (say, the wrong patient) while its user is still here: no code for it then.
    // Expiry is not checked again: it bounds when the launch may be presented, which was at /authorize.
    const launch = row.launch_id_hash ? await findLaunchByHash(trx, row.launch_id_hash) : undefined;
    if (launch?.cancelled) throw invalidRequest('the EHR cancelled this launch').redirectTo(row.redirect_uri, row.state);
    const grant = await createGrant(trx, {
      clientId: client.id,
      userId: row.user_id,
      fhirUser: row.fhir_user,
      scope,
      aud: row.aud,
      context,
      launchType: row.launch_type,
      launchExtra: row.launch_extra,
      accessType: refreshAccess(scopes) ?? null,
      authTime: row.auth_time,
      sessionIdHash: row.session_id_hash,
    });
    const value = await createAuthorizationCode(trx, {
      grantId: grant.id,
      redirectUri: row.redirect_uri,
      codeChallenge: row.code_challenge,
      nonce: row.nonce,
      expiresAt: new Date(Date.now() + deps.config.tokens.codeLifetimeSeconds * 1000),
    });
    await recordConsent(trx, interaction, 'consent.given', requestId, { scope, launch_type: row.launch_type, grant_id: grant.id });
    return value;
  });
  // RFC 6749 §4.1.2: the code and the app's state on its redirect_uri.
  const target = new URL(row.redirect_uri);
  target.searchParams.set('code', code);
  target.searchParams.set('state', row.state);
  return target.toString();
}

/**
 * Consent refused: the app gets access_denied with its state (RFC 6749 §4.1.2.1),
 * through the one error redirect; the refusal is recorded first.
 */
export async function denyInteraction(deps: AppDeps, interaction: CurrentInteraction, requestId: string | undefined): Promise<never> {
  await deps.db.transaction().execute(async (trx) => {
    await completeOnce(trx, interaction);
    await recordConsent(trx, interaction, 'consent.denied', requestId);
  });
  // 303, as the approval's redirect from the same form (RFC 9110 §15.4.4: the browser GETs the redirect_uri).
  throw accessDenied('the user denied access').redirectTo(interaction.row.redirect_uri, interaction.row.state, 303);
}

/** Ends the interaction, or stops: a second approve or deny of the same sign-in (another tab, a replay) gets a page. */
async function completeOnce(trx: Db, interaction: CurrentInteraction): Promise<void> {
  if (!(await completeInteraction(trx, interaction.row.id_hash))) throw invalidRequest('This sign-in was already completed.').asPage();
}

/** consent.given or consent.denied: the app, the user and the patient the decision was about. */
function recordConsent(
  trx: Db,
  { row, client, context }: CurrentInteraction,
  event: 'consent.given' | 'consent.denied',
  requestId: string | undefined,
  details: Record<string, unknown> = {},
): Promise<void> {
  return recordAudit(trx, { event, clientId: client.id, userId: row.user_id ?? row.fhir_user, patient: context.patient, requestId, details });
}
