import type { AppDeps } from '../deps.ts';
import { summarisePatient } from '../fhir/index.ts';
import { revokeGrantAudited } from '../oauth/revoke-grant.ts';
import { parseScopes, type Scope } from '../scopes/index.ts';
import { findClient } from '../store/clients.ts';
import { getGrant, listGrants, type Grant } from '../store/grants.ts';

/**
 * Connected apps: what a signed-in user sees of the grants made for them
 * (Epic's "manage connected apps"), and revoking one. Revoking a grant is one
 * row that refresh, introspection and the FHIR API all read, so every token of
 * it stops working at once on every instance.
 */
export interface ConnectedApp {
  grantId: string;
  appName: string;
  scopes: Scope[];
  /** The patient in the grant's context, with a name when the FHIR data knows it. */
  patient: { id: string; name: string | undefined } | undefined;
  grantedAt: Date;
  lastUsedAt: Date;
  /** SMART offline_access (until revoked), online_access (while signed in), or neither (until the access token expires). */
  access: 'offline' | 'online' | 'none';
}

const MAX_APPS = 200;

/** The user's live grants, most recently used first; ones that can no longer issue or be used are left out. */
export async function listConnectedApps(deps: AppDeps, userId: string): Promise<ConnectedApp[]> {
  const { items: grants } = await listGrants(deps.db, { limit: MAX_APPS }, { userId });
  const now = Date.now();
  const accessLifetime = deps.config.tokens.accessTokenLifetimeSeconds * 1000;
  const live = grants.filter((g) => g.accessType !== null || lastUsed(g).getTime() + accessLifetime > now);
  const apps = await Promise.all(live.map((grant) => describeGrant(deps, grant)));
  return apps.sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
}

const lastUsed = (grant: Grant) => grant.lastUsedAt ?? grant.createdAt;

async function describeGrant(deps: AppDeps, grant: Grant): Promise<ConnectedApp> {
  const client = await findClient(deps.db, grant.clientId);
  const parsed = parseScopes(grant.scope);
  const patientId = grant.context.patient;
  const patient = patientId ? await deps.fhir.getPatient(patientId).catch(() => undefined) : undefined;
  return {
    grantId: grant.id,
    appName: client?.name ?? grant.clientId,
    scopes: parsed.ok ? parsed.scopes : [],
    patient: patientId ? { id: patientId, name: patient ? summarisePatient(patient).name : undefined } : undefined,
    grantedAt: grant.createdAt,
    lastUsedAt: lastUsed(grant),
    access: grant.accessType ?? 'none',
  };
}

/**
 * Revokes one of the user's grants, audited. False when it is not theirs, not
 * known, or already revoked: a user can revoke only what was granted for them.
 */
export async function revokeConnectedApp(deps: AppDeps, userId: string, grantId: string, requestId: string | undefined): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const grant = await getGrant(trx, grantId);
    if (!grant || grant.userId !== userId || grant.revokedAt) return false;
    await revokeGrantAudited(trx, grant, {
      clientId: grant.clientId,
      reason: 'revoked by the user (connected apps)',
      event: 'token.revoked',
      requestId,
      details: { by: 'user' },
    });
    return true;
  });
}
