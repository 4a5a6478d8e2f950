import type { AppDeps } from '../app.ts';
import type { LaunchContext } from '../context/index.ts';
import type { Db } from '../db/index.ts';
import type { RefreshTokenRow } from '../db/types.ts';
import { recordAudit, type AuditEventName } from '../store/audit.ts';
import { revokeGrant } from '../store/revocations.ts';

/**
 * Revokes the grant a refresh token belongs to (its family, and every access
 * token issued under it) and audits why, inside the caller's transaction.
 */
export async function revokeRefreshFamily(
  trx: Db,
  deps: AppDeps,
  stored: RefreshTokenRow,
  why: { clientId: string; reason: string; event: AuditEventName; requestId: string | undefined; details?: Record<string, unknown> },
): Promise<void> {
  await revokeGrant(trx, {
    grantId: stored.family_id,
    clientId: why.clientId,
    reason: why.reason,
    accessTokenLifetimeSeconds: deps.config.tokens.accessTokenLifetimeSeconds,
  });
  await recordAudit(trx, {
    event: why.event,
    clientId: why.clientId,
    userId: stored.user_id ?? stored.fhir_user,
    patient: (stored.context as LaunchContext).patient,
    requestId: why.requestId,
    details: { ...why.details, grant_id: stored.family_id },
  });
}
