import type { AppDeps } from '../../app.ts';
import { negotiateScopes, serializeScopes } from '../../scopes/index.ts';
import { recordAudit } from '../../store/audit.ts';
import { createAuthorizationCode } from '../../store/codes.ts';
import { completeInteraction } from '../../store/interactions.ts';
import { findLaunchByHash } from '../../store/launches.ts';
import { newId } from '../../tokens/secrets.ts';
import type { CurrentInteraction } from '../../ui/interaction.ts';
import { OAuthError, invalidRequest } from '../errors.ts';

/**
 * The scopes this interaction grants: what was asked, narrowed to what the
 * client may have, then (after consent) to what the user kept, which can only
 * narrow further. Without a patient in context, patient/ scopes are dropped
 * (SMART: granting a patient/ scope SHALL set a patient context; we narrow
 * rather than refuse).
 */
export function grantableScope(deps: AppDeps, interaction: CurrentInteraction, approved?: readonly string[]): string {
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
  return serializeScopes(granted.granted.filter((s) => hasPatient || !(s.kind === 'clinical' && s.context === 'patient')));
}

/** Consent given: freeze everything into a single-use code and send the browser back to the app. */
export async function approveInteraction(
  deps: AppDeps,
  interaction: CurrentInteraction,
  approved: readonly string[] | undefined,
  requestId: string | undefined,
): Promise<string> {
  const { row, client, context } = interaction;
  const scope = grantableScope(deps, interaction, approved);
  const code = await deps.db.transaction().execute(async (trx) => {
    if (!(await completeInteraction(trx, row.id_hash))) throw invalidRequest('This sign-in was already completed.').asPage();
    // The EHR may cancel a launch (say, the wrong patient) while its user is still here: no code for it then.
    // Expiry is not checked again: it bounds when the launch may be presented, which was at /authorize.
    const launch = row.launch_id_hash ? await findLaunchByHash(trx, row.launch_id_hash) : undefined;
    if (launch?.cancelled) throw invalidRequest('the EHR cancelled this launch').redirectTo(row.redirect_uri, row.state);
    const value = await createAuthorizationCode(trx, {
      grant_id: newId(),
      client_id: client.id,
      redirect_uri: row.redirect_uri,
      code_challenge: row.code_challenge,
      scope,
      aud: row.aud,
      context: JSON.stringify(context),
      launch_type: row.launch_type,
      launch_extra: JSON.stringify(row.launch_extra),
      user_id: row.user_id,
      fhir_user: row.fhir_user,
      session_id_hash: row.session_id_hash,
      nonce: row.nonce,
      auth_time: row.auth_time,
      expires_at: new Date(Date.now() + deps.config.tokens.codeLifetimeSeconds * 1000),
    });
    await recordAudit(trx, {
      event: 'consent.given',
      clientId: client.id,
      userId: row.user_id ?? row.fhir_user,
      patient: context.patient,
      requestId,
      details: { scope, launch_type: row.launch_type },
    });
    return value;
  });
  return backToApp(row, { code });
}

/** Consent refused: the app gets access_denied with its state. */
export async function denyInteraction(deps: AppDeps, interaction: CurrentInteraction, requestId: string | undefined): Promise<string> {
  const { row, client, context } = interaction;
  await deps.db.transaction().execute(async (trx) => {
    if (!(await completeInteraction(trx, row.id_hash))) throw invalidRequest('This sign-in was already completed.').asPage();
    await recordAudit(trx, {
      event: 'consent.denied',
      clientId: client.id,
      userId: row.user_id ?? row.fhir_user,
      patient: context.patient,
      requestId,
    });
  });
  return backToApp(row, { error: 'access_denied', error_description: 'the user denied access' });
}

/** The app's redirect_uri with these parameters and the app's state (RFC 6749 §4.1.2). */
function backToApp(row: CurrentInteraction['row'], params: Record<string, string>): string {
  const target = new URL(row.redirect_uri);
  for (const [name, value] of Object.entries({ ...params, state: row.state })) target.searchParams.set(name, value);
  return target.toString();
}
