import type { Db } from '../db/index.ts';
import { recordGrantAudit, type AuditEventName } from '../store/audit.ts';
import { revokeGrant, type Grant } from '../store/grants.ts';

/**
 * Revokes a grant (its codes, refresh tokens, and every access token issued
 * under it) and audits why, inside the caller's transaction.
 */
export async function revokeGrantAudited(
  trx: Db,
  grant: Grant,
  why: { clientId: string; reason: string; event: AuditEventName; requestId: string | undefined; details?: Record<string, unknown> },
): Promise<void> {
  await revokeGrant(trx, grant.id, why.reason);
  await recordGrantAudit(trx, grant, { event: why.event, clientId: why.clientId, requestId: why.requestId, details: { ...why.details, grant_id: grant.id } });
}
